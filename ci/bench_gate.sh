#!/usr/bin/env bash
# Hot-path benchmarks and the compiled/pure speed gate (benchmarks/gate.py).
#
#   bash ci/bench_gate.sh            measure, write benchmarks/results/latest.json,
#                                    gate (what `make test` runs)
#   bash ci/bench_gate.sh --save     also keep the run under benchmarks/results/
#                                    for --benchmark-compare (what `make bench` runs)
#
# Any other argument goes to pytest. The interpreter is $PYTHON, else $PY,
# else .venv/bin/python, else python3. Ratios are measured within this one
# run; absolute times never fail it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${PYTHON:-}" ]; then
    PY=$PYTHON
elif [ -z "${PY:-}" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi

RESULTS=benchmarks/results
JSON=$RESULTS/latest.json
args=()   # for pytest
save=()   # for the first measurement only
for arg in "$@"; do
    if [ "$arg" = "--save" ]; then
        # pytest-benchmark numbers the saved runs: NNNN_bench.json
        save=(--benchmark-save=bench --benchmark-storage="file://$RESULTS")
    else
        args+=("$arg")
    fi
done

mkdir -p "$RESULTS"

measure() {
    rm -f "$JSON"
    # Short runs keep the whole benchmark under a minute on two busy cores;
    # the gate compares minimum times, which need many rounds, not long ones.
    "$PY" -m pytest benchmarks -q -p no:cacheprovider \
        --benchmark-only \
        --benchmark-warmup=on --benchmark-warmup-iterations=1000 \
        --benchmark-max-time=0.5 --benchmark-min-rounds=20 \
        --benchmark-sort=name --benchmark-columns=min,median,mean,rounds \
        --benchmark-json="$JSON" "$@"
}

measure ${save[@]+"${save[@]}"} ${args[@]+"${args[@]}"}
if ! "$PY" benchmarks/gate.py "$JSON"; then
    # Other processes on a shared machine can slow one side of a pair for a
    # whole benchmark; a real slowdown fails the second run too. Compare
    # runs with --benchmark-compare to look into it.
    echo "bench_gate: gate failed, measuring once more to rule out noise"
    measure ${args[@]+"${args[@]}"}
    "$PY" benchmarks/gate.py "$JSON"
fi

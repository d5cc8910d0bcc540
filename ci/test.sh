#!/usr/bin/env bash
# Every check CI runs, in order, stopping at the first failure.
#
#   bash ci/test.sh              all steps in STEPS order
#   bash ci/test.sh pure micropython   only the named steps
#
# To add a check: write a step_<name> function below and add <name> to STEPS.
# A step that runs tests should run them through `counted` so that its
# "N passed" line adds to the totals printed at the end.
# Expects the venv and the in-place build (`make test` provides both).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
MICROPYTHON=${MICROPYTHON:-.venv/bin/micropython}
STEPS=(compiled pure browser micropython mpy heap conformance upstream dist bench)

LOG=$(mktemp)
OUT=$(mktemp)
current=
finish() {
    local rc=$?
    rm -f "$LOG" "$OUT"
    if [ "$rc" -ne 0 ] && [ -n "$current" ]; then
        echo "=== $current: FAILED (exit $rc)"
    fi
}
trap finish EXIT

# Run a test runner, keeping its summary line for the totals at the end.
counted() {
    local rc=0
    "$@" 2>&1 | tee "$OUT" || rc=$?
    grep -E '[0-9]+ (passed|failed|skipped)' "$OUT" | tail -n 1 >>"$LOG" || true
    return "$rc"
}

# pytest exits 5 when it collects no test: not a failure of the code.
# The browser tests have their own step (they run every transport at once).
pytest_tests() {
    local rc=0
    counted "$PY" -m pytest tests -q \
        --ignore=tests/test_browser_cpython.py "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "WARNING: pytest collected no tests"
        rc=0
    fi
    return "$rc"
}

# Compiled twins, required when any were built (a missing one is an error).
step_compiled() {
    if ls microdot/_speedups/*.so >/dev/null 2>&1; then
        MICRODOT_REQUIRE_SPEEDUPS=1 pytest_tests
    else
        echo "no compiled twins in microdot/_speedups: pytest without MICRODOT_REQUIRE_SPEEDUPS"
        pytest_tests
    fi
}

# The pure twins on CPython.
step_pure() {
    MICRODOT_PURE=1 pytest_tests
}

# The examples in headless Chromium, on the embedded server (compiled and
# pure twins), under Uvicorn and on MicroPython. ci/install_browser.sh
# installs Chromium when it is missing; where it cannot, the tests skip on a
# developer's machine and fail on CI (see that script).
step_browser() {
    bash ci/install_browser.sh
    counted "$PY" -m pytest tests/test_browser_cpython.py -q
}

# The portable code on MicroPython (unix port). Each test file runs in its
# own process with the runner's heap; 2 MB (the port's default) is enough,
# MICROPY_HEAPSIZE changes the 4 MB used here.
step_micropython() {
    counted "$MICROPYTHON" -X heapsize="${MICROPY_HEAPSIZE:-4M}" \
        tests/run_micropython.py
}

# The same suite against the .mpy files of `make mpy` (manifest.py's files,
# compiled by mpy-cross), as a board that was given .mpy files runs them.
step_mpy() {
    "$PY" ci/micropython_pkg.py mpy build/mpy
    counted "$MICROPYTHON" -X heapsize="${MICROPY_HEAPSIZE:-4M}" \
        tests/run_micropython.py --lib build/mpy
}

# MicroPython heap use (import costs, the smallest heap that serves a hello
# app, from .py and .mpy) against the limits in benchmarks/mpy_heap_limits.json.
step_heap() {
    counted "$PY" benchmarks/mpy_heap.py --check
}

# Autobahn|Testsuite's WebSocket cases 1-7 and 10 against the echo example
# on the embedded server (compiled and pure twins) and under uvicorn; about
# a minute, plus the first install of wstest into .venv-wstest.
step_conformance() {
    counted "$PY" ci/conformance.py
}

# Upstream microdot 2.7.0's own test suite (from its sdist on PyPI, cached
# in .cache/upstream) against this package: compiled, pure, MicroPython.
step_upstream() {
    counted env MICROPYTHON="$MICROPYTHON" "$PY" ci/upstream_suite.py
}

# The built wheel and sdist, installed in fresh venvs, each running the
# suite from outside the source tree (compiled, then pure).
step_dist() {
    counted env PYTHON="$PY" bash ci/check_dist.sh
}

# The compiled/pure speed ratios of the hot paths (benchmarks/gate.py).
step_bench() {
    PYTHON="$PY" bash ci/bench_gate.sh
}

if [ $# -gt 0 ]; then
    STEPS=("$@")
fi

start=$SECONDS
for step in "${STEPS[@]}"; do
    echo "=== $step"
    t0=$SECONDS
    current=$step
    "step_$step"
    current=
    echo "=== $step: ok ($((SECONDS - t0))s)"
done

echo "=== all steps passed: ${STEPS[*]} (total $((SECONDS - start))s)"
# one closing line for all steps (only passing runs get here)
awk '{
    for (i = 1; i < NF; i++) {
        w = $(i + 1); sub(/[^a-z]+$/, "", w)
        if (w == "passed" || w == "failed" || w == "skipped" || w == "error" || w == "errors") n[w] += $i
    }
} END {
    printf "total: %d passed, %d failed, %d skipped\n", n["passed"], n["failed"] + n["error"] + n["errors"], n["skipped"]
}' "$LOG"

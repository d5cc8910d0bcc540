#!/usr/bin/env bash
# Static checks (`make lint`, the lint step of ci/test.sh):
#
#   flake8    style and pyflakes over every Python file of the checkout
#             (settings in .flake8);
#   mypy      the package as shipped, its .pyi stubs included (settings in
#             pyproject.toml's [tool.mypy]);
#   stubtest  the stubs of microdot._speedups against the modules that run,
#             the compiled twins included (so it needs the in-place build).
#
#   bash ci/lint.sh [flake8|mypy|stubtest ...]   (default: all three)
#
# ci/check_dist.sh runs mypy and stubtest again on the installed wheel.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}

lint_flake8() {
    "$PY" -m flake8 microdot tests benchmarks ci examples setup.py
}

lint_mypy() {
    "$PY" -m mypy
}

lint_stubtest() {
    # a missing compiled twin must fail here, not be compared as pure; the
    # allowlist names what Cython may add, which depends on what the twins
    # define (cdef classes or not) and on the Cython version
    MICRODOT_PURE=0 MICRODOT_REQUIRE_SPEEDUPS=1 "$PY" -m mypy.stubtest \
        --allowlist ci/stubtest-allowlist.txt --ignore-unused-allowlist \
        microdot._speedups
}

checks=("$@")
[ $# -gt 0 ] || checks=(flake8 mypy stubtest)
for check in "${checks[@]}"; do
    declare -F "lint_$check" >/dev/null ||
        { echo "ci/lint.sh: no check named '$check'" >&2; exit 2; }
    echo "--- $check"
    "lint_$check"
done

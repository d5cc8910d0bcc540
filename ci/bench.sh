#!/usr/bin/env bash
# The hot-path benchmarks (pytest-benchmark); extra arguments go to pytest.
# An empty benchmarks/ (pytest exit 5, no tests) is not a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
rc=0
"$PY" -m pytest benchmarks -q "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
    echo "no benchmarks collected"
    rc=0
fi
exit "$rc"

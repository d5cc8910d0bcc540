#!/usr/bin/env bash
# The server tests on the newest CPython this machine has (3.12 or later),
# where microdot.server starts each request as an eager task instead of
# driving it by hand (Python 3.9 to 3.11, which the main venv runs).
#
#   bash ci/eager.sh
#
# The interpreter is $PYTHON_EAGER, else python3.13 or python3.12 on PATH,
# else pyenv's. Its venv is .venv-eager (recreated when the requirements
# below change); the compiled twins are built in place for it. Without such
# an interpreter the step is skipped on a developer's machine and fails
# where tools are required (MICRODOT_REQUIRE_TOOLS or CI, as in
# ci/install_tools.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REQUIREMENTS="pytest setuptools>=77 wheel Cython>=3.0 uvloop websockets orjson"
VENV=.venv-eager

find_python() {
    local candidate
    if [ -n "${PYTHON_EAGER:-}" ]; then
        echo "$PYTHON_EAGER"
        return
    fi
    for candidate in python3.14 python3.13 python3.12 \
            "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
                'import sys; sys.exit(sys.version_info < (3, 12))' \
                2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
}

python=$(find_python)
if [ -z "$python" ]; then
    case "${MICRODOT_REQUIRE_TOOLS:-}${CI:-}" in
        *1* | *[Tt]rue* | *[Yy]es* | *[Oo]n*)
            echo "ERROR: no Python 3.12 or later for the eager-task" \
                "server tests" >&2
            exit 1 ;;
    esac
    echo "WARNING: no Python 3.12 or later: the eager-task path is untested"
    exit 0
fi

stamp="$VENV/.stamp"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != \
        "$python $REQUIREMENTS" ]; then
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    bash ci/quiet_pip.sh "$VENV/bin/python" -m pip install --quiet \
        $REQUIREMENTS
    echo "$python $REQUIREMENTS" >"$stamp"
fi
"$VENV/bin/python" --version
MICRODOT_REQUIRE_EXTENSIONS=1 "$VENV/bin/python" setup.py --quiet \
    build_ext --inplace
MICRODOT_REQUIRE_SPEEDUPS=1 "$VENV/bin/python" -m pytest -q \
    -p no:cacheprovider tests/test_http11_cpython.py \
    tests/test_server_cpython.py tests/test_core_server.py \
    tests/test_sse_cpython.py tests/test_websocket_cpython.py

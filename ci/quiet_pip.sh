#!/usr/bin/env bash
# Run a pip command without the warnings pip prints for configured
# find-links or index locations that do not exist on this machine: they say
# nothing about the project and would bury the warnings that do. Every other
# line, and pip's exit status, are kept.
#
#   bash ci/quiet_pip.sh .venv/bin/python -m pip install ...
set -uo pipefail
"$@" 2>&1 | grep -v -e 'is ignored: it is neither a file nor a directory' \
    -e '^$'
exit "${PIPESTATUS[0]}"

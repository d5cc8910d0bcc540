#!/usr/bin/env bash
# Install the command-line clients that the server tests and the end-to-end
# benchmark drive: curl and wrk (Debian packages).
#
#   bash ci/install_tools.sh
#
# Nothing is done when both are on PATH. Otherwise they are installed with
# apt-get, which needs root and a Debian-like system (CI machines are fresh
# Debian and run as root). When that is impossible, the tests that need them
# skip and the end-to-end gate is left out, on a developer's machine; where
# the tools are required (MICRODOT_REQUIRE_TOOLS or CI set to 1/true/yes/on;
# .ci/run sets the former) this script fails instead.
set -euo pipefail

truthy() {
    case "${1,,}" in
        1 | true | yes | on) return 0 ;;
        *) return 1 ;;
    esac
}

required=no
if truthy "${MICRODOT_REQUIRE_TOOLS:-}" || truthy "${CI:-}"; then
    required=yes
fi

missing=()
for tool in curl wrk; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "tools: $(command -v curl), $(command -v wrk)"
    exit 0
fi

give_up() {
    if [ "$required" = yes ]; then
        echo "ERROR: $*; the tools are required here (CI or" \
            "MICRODOT_REQUIRE_TOOLS)" >&2
        exit 1
    fi
    echo "WARNING: $*; the tests that need them skip"
    exit 0
}

command -v apt-get >/dev/null || give_up "${missing[*]} missing, no apt-get"
[ "$(id -u)" -eq 0 ] || give_up "${missing[*]} missing; installing needs root"
echo "installing ${missing[*]} with apt-get"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update && apt-get install -y "${missing[@]}"; } \
        >"$LOG" 2>&1; then
    tail -n 20 "$LOG" >&2
    give_up "apt-get could not install ${missing[*]}"
fi
for tool in "${missing[@]}"; do
    command -v "$tool" >/dev/null || give_up "$tool still missing"
done
echo "tools: installed ${missing[*]}"

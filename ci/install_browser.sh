#!/usr/bin/env bash
# Install the browser that tests/test_browser_cpython.py drives: Debian's
# chromium and chromium-driver (selenium comes from requirements-dev.txt).
#
#   bash ci/install_browser.sh
#
# Nothing is done when both are already on PATH. Otherwise they are
# installed with apt-get, which needs root and a Debian-like system: CI
# machines are fresh Debian and run as root.
#
# When they cannot be installed, what happens depends on whether a browser
# is required:
#   - required (CI, see below): this script fails, so `make test` fails
#     instead of passing without the browser tests;
#   - not required (a developer's machine without root or apt-get): it says
#     why and exits 0; the browser tests then skip, naming what is missing.
# A browser is required when MICRODOT_REQUIRE_BROWSER or CI is 1/true/yes/on.
# CI services set CI=true, and so does this project's CI run (.ci/run
# also sets MICRODOT_REQUIRE_BROWSER=1, so it does not depend on that).
# tests/test_browser_cpython.py reads the same two variables.
set -euo pipefail

truthy() {
    local value=${1:-}
    case "${value,,}" in
        1 | true | yes | on) return 0 ;;
        *) return 1 ;;
    esac
}

required=no
if truthy "${MICRODOT_REQUIRE_BROWSER:-}" || truthy "${CI:-}"; then
    required=yes
fi

have_browser() {
    { command -v chromium >/dev/null || command -v chromium-browser \
        >/dev/null; } && command -v chromedriver >/dev/null
}

give_up() {
    if [ "$required" = yes ]; then
        echo "ERROR: $*; a browser is required here (CI or" \
            "MICRODOT_REQUIRE_BROWSER), so the browser tests cannot run" >&2
        exit 1
    fi
    echo "WARNING: $*; the browser tests will skip"
    exit 0
}

if have_browser; then
    echo "browser: $(command -v chromium || command -v chromium-browser)," \
        "$(command -v chromedriver)"
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    give_up "chromium or chromedriver is missing and there is no apt-get"
fi
if [ "$(id -u)" -ne 0 ]; then
    give_up "chromium or chromedriver is missing and installing them needs" \
        "root (apt-get install chromium chromium-driver)"
fi

echo "installing chromium and chromium-driver with apt-get"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
export DEBIAN_FRONTEND=noninteractive
# with the recommended packages (fonts among them): the set that is tested
if ! { apt-get update && apt-get install -y chromium chromium-driver; } \
        >"$LOG" 2>&1; then
    tail -n 20 "$LOG" >&2
    give_up "apt-get could not install chromium and chromium-driver"
fi
have_browser || give_up "chromium or chromedriver is still missing after" \
    "apt-get install"
echo "browser: installed $(chromium --version 2>/dev/null || true)"

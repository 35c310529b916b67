# `make demo` and `make test` work on a fresh Debian 12 machine with Python 3.11, on any
# x86-64 CPU with AVX2 (or arm64): each installs what is missing (Debian packages too),
# then runs. Every install step prints its wall time (scripts/timed.sh).
SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
# pyenv's `python3` is a bash shim costing 60-80 ms per start: use the real one.
PYTHON ?= $(shell command -v python3.11 >/dev/null && python3.11 -c 'import sys; print(sys.executable)' || echo python3)
# Slow builds (the llama-cpp-python wheel, the docker image's rootfs) are cached
# outside the checkout, keyed by version and build configuration, so the next run on
# the same machine skips them; a fresh machine rebuilds them (README, "Install").
export PROCTOR_CACHE ?= /var/cache/proctor
# Every Debian package in one apt transaction (one `apt-get update`, and only when
# something is missing): bubblewrap, the default sandbox; Chromium and its driver
# for the HTML report's browser test; Docker's engine and debootstrap for the
# docker backend and its image (scripts/docker_engine.sh starts and builds them);
# qemu-user and binutils for the test that the local model's build runs on a CPU
# without AVX-512/AMX (qemu-x86_64 -cpu Haswell, objdump); iproute2 for the Ray
# tests' private network namespace (tests/ray_cluster.py). Tests install nothing.
APT_PACKAGES := bubblewrap chromium chromium-driver docker.io debootstrap qemu-user binutils iproute2
TIMED := bash scripts/timed.sh

.PHONY: install demo test bench docker clean

install: $(VENV)/.installed

# pip installs proctor with every extra but `local` ('.[dev]': lm-eval, docker,
# report, and the test tools); the local model comes from scripts/install_local_model.sh,
# which builds llama-cpp-python portably (no AVX-512/AMX) and caches the wheel.
$(VENV)/.installed: pyproject.toml Makefile $(wildcard scripts/*.sh)
	$(TIMED) apt bash scripts/install_system.sh $(APT_PACKAGES)
	$(TIMED) venv bash -c 'set -e; test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV); \
	    $(VENV)/bin/pip install --quiet --upgrade pip setuptools wheel; $(VENV)/bin/pip install --quiet -e ".[dev]"'
	$(TIMED) "llama build" bash scripts/install_local_model.sh $(VENV)
	touch $@

# The docker sandbox backend's engine and image (installs docker.io and
# debootstrap when missing, starts dockerd, builds the image once per machine).
docker:
	$(TIMED) "docker image" bash scripts/docker_engine.sh

demo: install
	bash scripts/demo.sh

# The security suites (containment, canary, reward hacks) skip a sandbox backend that
# cannot run here, saying why; under CI=true (.ci/run sets it) or with
# `pytest --require-isolation` they fail instead.
test: install
	$(TIMED) "docker image" bash scripts/docker_engine.sh || echo "make: no Docker engine could be started; the docker backend's tests will skip (and fail under CI=true)" >&2
	$(VENV)/bin/python -m pytest -q

bench: install
	for b in bench/*.py; do $(VENV)/bin/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-out

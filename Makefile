# `make demo` and `make test` work on a fresh Debian 12 machine with Python 3.11:
# each installs what is missing (Debian packages too), then runs.
SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
# pyenv's `python3` is a bash shim costing 60-80 ms per start: use the real one.
PYTHON ?= $(shell command -v python3.11 >/dev/null && python3.11 -c 'import sys; print(sys.executable)' || echo python3)
# Slow builds are cached outside the checkout, keyed by version, so the next
# run on the same machine skips them; a fresh machine rebuilds them.
export PROCTOR_CACHE ?= /var/cache/proctor
APT_PACKAGES := bubblewrap

.PHONY: install demo test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile scripts/install_system.sh
	bash scripts/install_system.sh $(APT_PACKAGES)
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip setuptools wheel
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

demo: install
	bash scripts/demo.sh

test: install
	$(VENV)/bin/python -m pytest -q

bench: install
	for b in bench/*.py; do $(VENV)/bin/python $$b || exit 1; done

clean:
	rm -rf $(VENV) proctor.db proctor.db-wal proctor.db-shm

# `make test`: from-scratch install into .venv and the whole suite.
# `make demo`: run the example project into a Guild home under build/demo-home.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_HOME := $(CURDIR)/build/demo-home

.PHONY: test demo venv bench clean view-demo system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,dev,hpo,tensorboard,dask,notebook,view]'

# Debian's chromium for the view's browser tests (apt-get, as root, when it is missing).
system-deps:
	@command -v chromium >/dev/null || (apt-get install -y -q chromium >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) || \
	  echo "make: chromium could not be installed: the browser tests will be skipped"

test: venv system-deps
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 tests
	tools/compat.sh

demo: $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	mkdir -p $(DEMO_HOME)
	cd examples/hello && GUILD_HOME=$(DEMO_HOME) $(CURDIR)/$(BIN)/guild run prepare -y
	cd examples/hello && GUILD_HOME=$(DEMO_HOME) $(CURDIR)/$(BIN)/guild run train lr=0.05 -y
	cd examples/hello && GUILD_HOME=$(DEMO_HOME) $(CURDIR)/$(BIN)/guild run pipeline -y
	@echo
	@echo "Runs in $(DEMO_HOME) (continue with: GUILD_HOME=$(DEMO_HOME) $(BIN)/guild runs):"
	GUILD_HOME=$(DEMO_HOME) $(BIN)/guild runs

view-demo: venv system-deps
	$(BIN)/python tools/view_demo.py

bench: venv
	bench/run_bench.sh

clean:
	rm -rf build

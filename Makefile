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
	$(BIN)/python -m pip install -q -e '.[test,dev,hpo,tensorboard,dask,notebook,view,s3,tui]'

# Debian packages the tests drive (apt-get, as root, when missing): chromium for the view's
# browser tests, sshd, ssh and rsync for the SSH remote tests, tmux for the compare screen's.
SYSTEM_DEPS := chromium:chromium sshd:openssh-server ssh:openssh-client rsync:rsync tmux:tmux
system-deps:
	@missing=""; for dep in $(SYSTEM_DEPS); do cmd=$${dep%%:*}; pkg=$${dep#*:}; \
	  command -v $$cmd >/dev/null || [ -x /usr/sbin/$$cmd ] || missing="$$missing $$pkg"; done; \
	  if [ -n "$$missing" ]; then \
	    apt-get install -y -q $$missing >/dev/null 2>&1 || \
	    (apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null) || \
	    echo "make: could not install$$missing: the tests that need them will be skipped"; fi

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

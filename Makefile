# liqlab: two commands, `make demo` and `make test`. Each creates .venv when it is missing
# or when pyproject.toml changed, installs the project into it, then runs.
SHELL := /bin/bash
# Any Python from 3.11 on; `make test-fast PYTHON=python3.13 VENV=.venv313` tries another one.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.liqlab-installed
SHARED ?= ../shared/data
OUT ?= out

.PHONY: demo picture test test-fast lab sample bench clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "liqlab needs Python 3.11 or newer; run: make PYTHON=/path/to/python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# The main job on the embedded real data: writes a standalone HTML page and a PNG.
demo: $(STAMP)
	$(BIN)/liqlab render --out $(OUT)

# The README's picture (docs/img/heatmap.png, ~1000 px wide) from the embedded data: the
# default window (3 days up to the end of the 2025-10-10 cascade). Commit the PNG it writes.
picture: $(STAMP)
	$(BIN)/liqlab render --picture docs/img/heatmap.png

# The test suite (warnings are errors; see pyproject.toml).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every day: everything not marked slow or browser (a few minutes).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

# JupyterLab on 127.0.0.1 with a random token; prints the URL to open.
LAB_PORT ?= 8888
lab: $(STAMP)
	@token=$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(16))'); \
	echo "liqlab: open http://127.0.0.1:$(LAB_PORT)/lab?token=$$token"; \
	exec $(BIN)/jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --ServerApp.port_retries=0 $(if $(filter 0,$(shell id -u)),--allow-root) \
	  --IdentityProvider.token=$$token --ServerApp.root_dir=notebooks

# Rebuild the embedded sample (liqlab/data/samples/*.parquet) from the shared real data.
sample: $(STAMP)
	$(BIN)/python scripts/build_sample.py --source $(SHARED)

# Benchmarks: print figures with the machine and the data size.
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean-venv:
	rm -rf $(VENV)

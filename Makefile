# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RAW    := data/raw
DB     ?= data/processed/demo/demand.duckdb

.DEFAULT_GOAL := help
.PHONY: help install demo test lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian run 'apt-get install python3-venv' and try again." >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install demand into it

demo: install ## Generate the synthetic force and run the demo pipeline on it
	@test -f $(RAW)/truth.json || $(BIN)/demand synth --out $(RAW)
	@mkdir -p $(dir $(DB))
	@echo "make demo runs pipelines/demo.toml: Northshire with hourly, daily and monthly forecasts, backtests, five scenarios and a published report."
	$(BIN)/demand run pipelines/demo.toml --db $(DB)
	$(BIN)/demand status --db $(DB)
	@echo "Outputs: raw extracts in $(RAW)/, the store in $(DB), Parquet exports in data/processed/demo/exports/, the report in reports/demo/latest/report.html, run logs in logs/demo/"

test: $(VENV)/.installed-test ## Install the test and dask extras and run the tests
	$(BIN)/python -m pytest --cov=demand --cov-report=term:skip-covered

lint: $(VENV)/.installed-test ## Ruff (lint and format check) and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

bench: $(VENV)/.installed-test ## Benchmarks (minutes); figures go to bench/RESULTS.md
	$(BIN)/python bench/ingest_throughput.py

clean: ## Remove generated data, store, models and reports (keeps the READMEs)
	find data/raw data/processed models reports -mindepth 1 ! -name README.md -exec rm -rf {} +

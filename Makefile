# Stop Press — the two commands a newcomer needs:
#   make run    the whole stack on this machine, with a live demo feed (Ctrl-C stops everything)
#   make test   every test, against a real Kafka broker and a real headless Chromium
# Both do their own set-up (virtualenv, Python packages, Kafka jars, Chromium) and are idempotent.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
BENCH ?=

.PHONY: run up test lint typecheck setup kafka-jars chromium bench clean

run: setup
	$(BIN)/stoppress up --demo

up: setup
	$(BIN)/stoppress up

test: setup kafka-jars chromium lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy shared services

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt shared/pyproject.toml services/*/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required: install it, or run make PYTHON=/path/to/python3.11"; exit 1; }
	@echo "==> creating the virtualenv in $(VENV) and installing Stop Press with its test tools"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip
	$(BIN)/python -m pip install --progress-bar on -r requirements-dev.txt
	touch $(STAMP)

kafka-jars: setup
	@echo "==> fetching the Apache Kafka broker jars from Maven Central (cached after the first run)"
	$(BIN)/python -m stoppress.cli.kafka --fetch-only

chromium:
	@command -v chromium >/dev/null || { \
	  echo "==> installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium; fi; }

bench: setup kafka-jars  # make bench lists them; make bench BENCH="e2e --clients 100" runs one
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

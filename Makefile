# 责任督学挂牌督导 platform — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install lock lock-upgrade run test lint typecheck unit infra-up infra-down infra-status tokens bench bench-full clean

TOOLS  := .venv-tools
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(TOOLS)/bin/pip-compile --quiet \
	--generate-hashes --extra dev --allow-unsafe --strip-extras --annotation-style line \
	--no-emit-index-url --no-emit-trusted-host --no-emit-find-links \
	--output-file requirements.lock pyproject.toml

## Every dependency pinned with its hashes (requirements.lock), then the project itself.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

install: $(VENV)/.installed

$(TOOLS)/.installed:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q "pip-tools==7.6.2"
	@touch $@

## Re-pin requirements.lock after a change to pyproject.toml: pins that still fit are
## kept, so only what changed moves (CPython 3.11, the interpreter of `make install`).
lock: $(TOOLS)/.installed
	$(PIP_COMPILE)

## The same with every pin moved to the newest version the ranges allow.
lock-upgrade: $(TOOLS)/.installed
	$(PIP_COMPILE) --upgrade

## Start Kafka, the MongoDB-wire server, the four services and a demo county (Ctrl-C stops all).
run: install
	$(BIN)/python -m deploy.local.run

## Lint, type-check and run every test against the real Kafka and MongoDB-wire server.
test: install infra-up lint typecheck
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q tests/unit

infra-up:
	bash deploy/local/infra.sh up

infra-down:
	bash deploy/local/infra.sh down

infra-status:
	bash deploy/local/infra.sh status

## Print bearer tokens for the demo users.
tokens: install
	$(BIN)/python -m deploy.local.tokens

## Benchmarks on a simulated province (quick: a few minutes); prints the table, writes docs/benchmarks.md.
bench: install infra-up
	$(BIN)/python -m benchmarks.run_all --quick

## The same on ~10 million events (41,000 schools x 12 months; hours, far more on the old kernel).
bench-full: install infra-up
	$(BIN)/python -m benchmarks.run_all --full

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache .hypothesis

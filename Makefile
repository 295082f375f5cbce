# Urbaneta API — the two commands: `make dev` (local stack) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
NODE_STAMP := node_modules/.installed
export SAM_CLI_TELEMETRY := 0

.PHONY: dev test install browser client lint lint-openapi typecheck validate cfn-lint checkov build check openapi bench fuzz clean

$(STAMP): requirements-dev.txt layers/shared/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	@touch $(CHECKOV_STAMP)

dev: install openapi ## Start the whole stack locally on http://127.0.0.1:3000/api
	$(BIN)/python -m local $(ARGS)

test: install browser ## Run every test (unit, integration, e2e)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

browser: ## Debian's Chromium for the docs-page browser test (needs apt-get as root; skipped otherwise)
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not available: the browser tests (docs page, hosted pages) will be skipped"

lint: install
	$(BIN)/ruff check .
	PYTHONPATH=layers/shared $(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy layers/shared/urbaneta functions local

validate: install
	$(BIN)/sam validate --lint --region eu-north-1

cfn-lint: install ## cfn-lint with every rule, informational and experimental too (.cfnlintrc.yaml): 0 findings
	$(BIN)/cfn-lint

lint-openapi: $(NODE_STAMP) ## redocly (recommended-strict) and spectral (spectral:oas) on the OpenAPI document: 0 findings
	node_modules/.bin/redocly lint functions/docs/openapi.json
	node_modules/.bin/spectral lint functions/docs/openapi.json --fail-severity=warn

checkov: $(CHECKOV_STAMP) ## checkov on template.yaml, offline (.checkov.yaml: each skipped check and why)
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

build: install openapi ## sam build without Docker (arm64 wheels; the layer ships compiled bytecode)
	PYTHON=$(abspath $(BIN)/python) $(BIN)/sam build --region eu-north-1

check: lint lint-openapi typecheck validate cfn-lint checkov test

bench: install ## Every benchmark in bench/, one table of ratios against same-run baselines
	$(BIN)/python -m bench.run_all

fuzz: install openapi ## schemathesis against the local stack's OpenAPI document, authenticated, all phases
	$(BIN)/python -m local.fuzz --max-examples $${FUZZ_EXAMPLES:-50}

client: install openapi ## A Python client generated from the OpenAPI document into .local/urbaneta_client
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/openapi-python-client generate --path functions/docs/openapi.json --meta none \
	  --output-path .local/urbaneta_client --config local/client-config.yaml --overwrite

openapi: install ## Regenerate functions/docs/openapi.json from the code
	$(BIN)/python -m local.openapi

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .local $(CHECKOV_VENV)

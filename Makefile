# The two set-up commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= data
PROTOS := $(wildcard proto/segd/api/v1/*.proto)

.PHONY: run test lint proto proto-check bench reliability install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

# Start the daemon in the foreground on the embedded SQLite default; the first run
# creates the workspace in $(DATA_DIR) and a first source to send events to.
run: install
	@$(BIN)/segd init --data-dir $(DATA_DIR) --if-missing --first-source "My first source"
	$(BIN)/segd serve --data-dir $(DATA_DIR)

test: dev
	$(BIN)/python -m pytest -q

lint: dev
	$(BIN)/ruff check segd segtui tests bench
	$(BIN)/ruff format --check segd segtui tests bench
	$(BIN)/mypy

# Generated code lives in segd/api/ and is checked in; never edit it by hand.
proto: dev
	$(BIN)/python -m grpc_tools.protoc -Iproto --python_out=. --pyi_out=. --grpc_python_out=. $(PROTOS)

proto-check: dev
	@rm -rf .proto-check && mkdir -p .proto-check
	@$(BIN)/python -m grpc_tools.protoc -Iproto --python_out=.proto-check --pyi_out=.proto-check \
		--grpc_python_out=.proto-check $(PROTOS)
	@diff -r -x __init__.py -x __pycache__ -x py.typed .proto-check/segd/api segd/api \
		&& echo "proto-check: generated code is up to date" \
		|| (echo "proto-check: segd/api is stale; run 'make proto'"; rm -rf .proto-check; exit 1)
	@rm -rf .proto-check

bench: dev
	$(BIN)/python -m bench

# The reliability and security suite, full size: seven scenarios against real daemons
# on 127.0.0.1 (about 10-15 minutes; the full-disk one mounts a tmpfs, so run as root).
# `make test` runs the same scenarios small.
reliability: dev
	$(BIN)/python -m bench.reliability

clean:
	rm -rf $(VENV) .proto-check .pytest_cache .mypy_cache .ruff_cache

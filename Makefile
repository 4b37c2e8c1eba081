# Aula: `make run` starts it, `make test` tests it. Every target installs what it needs first.
.DEFAULT_GOAL := help
.PHONY: help install run worker test lint migrate seed

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH_VERSION := 2.13.0
# Extra pip options for torch alone, e.g. TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
# on a laptop without a GPU, where plain PyPI would bring a CUDA build of several GB.
TORCH_PIP_ARGS ?=
# The stamp makes `make install` a no-op until pyproject.toml changes.
STAMP := $(VENV)/.aula-installed
ADDR ?= 127.0.0.1:8000
QUEUES ?= default,ml_cpu,ml_gpu
# pytest-xdist processes. 0 (one process) measured faster on 2 shared cores: the torch tests use
# both cores each, so two of them at once only contend. PYTEST_ARGS adds options (-k, -m, paths).
TEST_WORKERS ?= 0
PYTEST_ARGS ?=

help:
	@echo "make run      install, migrate, seed the demo if the database is empty, serve on $(ADDR) with one worker"
	@echo "make test     the test suite (services-dependent tests skip without DATABASE_URL/REDIS_URL)"
	@echo "make lint     ruff check, ruff format --check, djlint (format, lint), lint-imports, hadolint, mypy"
	@echo "make worker   one more Celery worker (QUEUES=$(QUEUES)), no beat"
	@echo "make migrate | make seed | make install"

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch goes first, on its own and pinned, so that resolving the project's dependencies never
# replaces it with another build.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install $(TORCH_PIP_ARGS) torch==$(TORCH_VERSION)
	$(PY) -m pip install -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	exec $(PY) scripts/run.py --addr $(ADDR)

worker: install
	$(PY) -m celery -A lms worker --queues=$(QUEUES) --loglevel=INFO

# A temporary AULA_VAR_DIR keeps the tests' files (cache, broker folders) out of the var/ that
# `make run` uses; its static/ exists so that WhiteNoise does not warn in every view test.
test: install
	var=$$(mktemp -d) && trap 'rm -rf "$$var"' EXIT && mkdir "$$var/static" && AULA_VAR_DIR=$$var \
		$(PY) -m pytest -n $(TEST_WORKERS) --timeout=900 --durations=15 $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint --check templates
	$(VENV)/bin/djlint --lint templates
	$(VENV)/bin/lint-imports
	$(VENV)/bin/hadolint docker/Dockerfile docker/Dockerfile.gpu
	$(VENV)/bin/mypy lms mlcore scripts

migrate: install
	$(PY) manage.py migrate --noinput

seed: install
	$(PY) manage.py seed_demo

# bench: added by the engine team together with `python -m mlcore.engine.bench`; the target
# appears here by itself once that module exists.
ifneq ($(wildcard mlcore/engine/bench.py),)
.PHONY: bench
bench: install
	$(PY) -m mlcore.engine.bench
	$(PY) scripts/bench_feedback.py
	$(PY) scripts/bench_api.py
	$(PY) scripts/bench_gradebook.py
endif

# Two commands on a fresh machine with only python3: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
SERVER_STAMP := $(VENV)/.installed-server

.PHONY: run test lint bench bench-pull bench-pull-follow venv server-venv clean

# Everything, test tools included (make test); `make run` needs the server alone.
venv: $(STAMP)
server-venv: $(SERVER_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP) $(SERVER_STAMP)

$(SERVER_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[server]'
	touch $(SERVER_STAMP)

run: server-venv
	$(BIN)/labshare migrate --no-input -v0
	$(BIN)/labshare demo --size small --if-empty
	@echo "To keep the demo facility moving, run in another terminal: $(BIN)/labshare demo --live"
	@# The worker (periodic jobs) runs beside the server and stops with it.
	$(BIN)/labshare worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) $(BIN)/labshare serve

# The suite on SQLite, then again on PostgreSQL when DATABASE_URL names one.
test: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/labshare makemigrations --check --dry-run -v0
	env -u DATABASE_URL $(BIN)/pytest
	case "$$DATABASE_URL" in postgres*) $(BIN)/pytest ;; *) echo "DATABASE_URL names no PostgreSQL database: SQLite only." ;; esac

# Load and scale figures against a raw baseline in the same run (bench/README.md).
bench: venv
	$(BIN)/python bench/run.py

# `labshare pull` of the large set against a plain sequential page loop (bench/README.md).
bench-pull: venv
	$(BIN)/python bench/pull_bench.py

bench-pull-follow: venv
	$(BIN)/python bench/pull_follow_bench.py

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) var

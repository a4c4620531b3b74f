# The two commands of the README: `make run` and `make test`. Everything starts from nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TINHSO := $(VENV)/bin/tinhso
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup static run test bench lint lock clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static: node_modules/.installed
	$(PYTHON) scripts/vendor_static.py

setup: $(VENV)/.installed static

run: setup
	$(TINHSO) migrate --noinput
	$(TINHSO) demo serve --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m tinhso.testing.run

bench: setup
	bench/setup
	$(PY) bench/run.py

lint: setup
	$(VENV)/bin/ruff check src bench scripts

# Re-resolve the pinned dependencies after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --extra dev -o requirements.lock

clean:
	rm -rf $(VENV) node_modules src/tinhso/static/vendor var

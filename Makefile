# Two commands on a fresh machine with Python 3.11 and pip:
#   make report   set up .venv and produce the reports from the demo data
#   make test     set up .venv and run the tests (what CI runs)
#   make test-fast  the tests without notebooks, report runs and the browser
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: report test test-fast install clean-reports

report: $(STAMP)
	$(BIN)/scoring report --all --kind all

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --nbval-lax --nbval-current-env tests notebooks

# Everything but the notebooks, whole report runs and the browser, on both cores: for every change.
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow" -n 2 --ignore=tests/browser tests

install: $(STAMP)

# (Re)install when the dependency list changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean-reports:
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +

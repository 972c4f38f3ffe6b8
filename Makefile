# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make demo   set up, import the sample data, check, write an evidence workbook
#   make test   set up and run the whole test suite (SQLite, and PostgreSQL when installed)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench sample-data clean

$(STAMP): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tracker needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tracker demo

test: $(STAMP)
	$(BIN)/python scripts/run_tests.py

bench: $(STAMP)  ## SIZES=10k,100k to run fewer sizes
	$(BIN)/python benchmarks/bench.py $(if $(SIZES),--sizes $(SIZES),)

sample-data: $(STAMP)
	$(BIN)/python sample_data/build.py

clean:
	rm -rf $(VENV) out .pytest_cache

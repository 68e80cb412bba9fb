# Each target creates (or reuses) a virtual environment in .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench bench-posting bench-saft bench-replicas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python -m settlement.demo

# Benchmarks print their figures; each takes minutes.
bench: $(STAMP)
	$(BIN)/python bench/daily_voucher.py

bench-posting: $(STAMP)
	$(BIN)/python bench/posting.py

bench-saft: $(STAMP)
	$(BIN)/python bench/saft_import.py --size-mb 500

bench-replicas: $(STAMP)
	$(BIN)/python bench/replicas.py

clean:
	rm -rf $(VENV) data/demo

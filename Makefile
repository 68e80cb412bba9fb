# Each target creates (or reuses) a virtual environment in .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo catalogs messages bench bench-1m bench-daily bench-posting bench-ledgers bench-saft bench-replicas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The message catalogs (settlement/locale/*/LC_MESSAGES/settlement.po), compiled for gettext.
CATALOGS_PO := $(wildcard settlement/locale/*/LC_MESSAGES/settlement.po)
CATALOGS_MO := $(CATALOGS_PO:.po=.mo)

catalogs: $(CATALOGS_MO)

%/LC_MESSAGES/settlement.mo: %/LC_MESSAGES/settlement.po $(STAMP)
	$(BIN)/python -m settlement.i18n

# For developers: put new and changed texts into the catalogs (then translate the empty ones;
# tests/test_translations.py fails while any is left). tr, ntr and N_ mark the Python's texts;
# _, gettext and ngettext are Jinja's, for the web page's templates (babel.cfg).
messages: $(STAMP)
	$(BIN)/pybabel extract --no-default-keywords -k tr -k ntr:1,2 -k N_ -k _ -k gettext -k ngettext:1,2 \
		-F babel.cfg --sort-by-file \
		--project settlement --no-wrap --no-location --add-comments=Translators: -o settlement/locale/settlement.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --no-wrap -D settlement -i settlement/locale/settlement.pot -d settlement/locale

# The suite in 4 processes (pytest-xdist): most tests wait on sandboxes paced like the real
# ledgers, so 4 workers fit on 2 cores. TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 4

test: $(STAMP) catalogs
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal

demo: $(STAMP) catalogs
	$(BIN)/python -m settlement.demo

# Benchmarks print their figures; each takes minutes.
# `make bench`: the product against its bare baselines in one table (bench/run_all.py);
# BENCH_ARGS="--lines 500000 --runs 5" to change sizes, `make bench-1m` for the issue's 1M lines.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

bench-1m: $(STAMP)
	$(BIN)/python bench/run_all.py --lines 1000000 --saft-mb 100 $(BENCH_ARGS)

bench-daily: $(STAMP)
	$(BIN)/python bench/daily_voucher.py

bench-posting: $(STAMP)
	$(BIN)/python bench/posting.py

bench-ledgers: $(STAMP)
	$(BIN)/python bench/ledgers.py

bench-saft: $(STAMP)
	$(BIN)/python bench/saft_import.py --size-mb 500

bench-replicas: $(STAMP)
	$(BIN)/python bench/replicas.py

clean:
	rm -rf $(VENV) data/demo

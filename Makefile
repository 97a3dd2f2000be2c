# Gazette: `make demo` and `make test` work on a fresh machine with nothing installed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test test-quick lint format golden bench bench-quick bench-tools browser node-mjml archive-tools clean

# (Re)install when the venv is missing or pyproject.toml changed.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Gazette needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

lint: $(STAMP)
	$(VENV)/bin/ruff check gazette tests scripts
	$(VENV)/bin/ruff format --check gazette tests scripts
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format gazette tests scripts
	$(VENV)/bin/ruff check --fix gazette tests scripts

# Headless Chromium for the page and email tests (Debian's package; Playwright
# drives it through executable_path, it never downloads a browser of its own).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null) \
	      || echo "could not install chromium: browser tests will fail"; \
	  else echo "chromium not found at $(CHROMIUM): install Debian's chromium package"; fi; }

# The real renderers of the shared archives, for the import fidelity test and the
# archive benchmark: Debian's hugo (Hugo) and kramdown with its GFM parser
# (Jekyll's renderer); Pelican comes with the dev extra. Tests say why they skip
# when one is missing.
archive-tools:
	@{ command -v hugo >/dev/null && ruby -e 'require "kramdown"; require "kramdown-parser-gfm"' 2>/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian hugo and ruby-kramdown for the archive fidelity tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo ruby-kramdown ruby-kramdown-parser-gfm >/dev/null) \
	      || echo "could not install hugo/kramdown: their fidelity tests will skip"; \
	  else echo "hugo or kramdown not found: install Debian's hugo, ruby-kramdown and ruby-kramdown-parser-gfm"; fi; }

# The reference npm mjml, for the optional comparison with the Python port; only
# where node and npm exist (the test says why it skips otherwise).
node-mjml:
	@if command -v npm >/dev/null && [ ! -x bench/node_modules/.bin/mjml ]; then \
	  sh bench/install_node_mjml.sh >/dev/null || echo "could not install npm mjml: its comparison test will skip"; fi

test: $(STAMP) browser node-mjml archive-tools lint
	$(PY) -m pytest -q -p no:cacheprovider

# The quick loop while working: no lint, and none of the tests marked slow
# (browsers, kill -9 runs, the benchmarks' smoke run); `make test` runs them all.
test-quick: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow"

# Regenerate the golden files, then review them with `git diff`.
golden: $(STAMP)
	GAZETTE_REGEN_GOLDEN=1 $(PY) -m pytest -q -p no:cacheprovider -k golden

# Benchmarks, not tests: every benchmark (fetch, ingest, cluster, email, site)
# against its baseline in the same run; bench/run.py --help says what each does.
# `bench` takes several minutes and rewrites BENCHMARKS.md and its chart;
# `bench-quick` (under a minute) only writes bench/results/quick.json.
# Then the editorial report (bench/editorial_bench.py): the sample week's drafts
# read as an editor would, in bench/results/editorial.md.
bench: $(STAMP) bench-tools
	$(PY) bench/run.py
	$(PY) bench/editorial_bench.py

bench-quick: $(STAMP) bench-tools
	$(PY) bench/run.py --quick
	$(PY) bench/editorial_bench.py

# The baselines: Pelican from PyPI (the archive), hyperfine from Debian (whole
# process timings), the npm mjml where npm exists (the email). A benchmark whose
# baseline is missing still runs and says so.
BENCH_STAMP := $(VENV)/.bench-stamp
bench-tools: $(BENCH_STAMP) node-mjml
	@command -v hyperfine >/dev/null || { 	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then 	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null) 	      || echo "could not install hyperfine: whole-process timings use a subprocess loop"; 	  else echo "hyperfine not found: whole-process timings use a subprocess loop"; fi; }

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache

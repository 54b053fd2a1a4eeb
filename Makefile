# claimwire: `make run` replays seeds/ into output/; `make test` runs the suite; `make bench` the benchmark.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.claimwire-installed
OUTPUT ?= output

.PHONY: run test bench clean install

install: $(STAMP)

# A fresh machine has nothing: create the venv, upgrade pip (the bundled pip 23 skips
# lxml_html_clean, without which trafilatura does not import), install the project.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/claimwire replay seeds --output $(OUTPUT)

# One pytest worker per core (pytest-xdist); a test file stays on one worker, so its
# module fixtures (an S3 server, a reference run) are built once. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# BENCH_ARGS=--quick for a ~2-minute run; see `python -m tests.benchmarks.bench --help`.
# Writes output/bench/bench.md, bench.png and bench.json; the corpus lives in a temp dir.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m tests.benchmarks.bench $(BENCH_ARGS)

clean:
	rm -rf $(OUTPUT) build *.egg-info

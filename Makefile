# stclusters: the two commands that matter are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install clean bench browser-deps test-browser bench-report bench-world fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/stclusters demo --out out/demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup -q

test: lint typecheck browser-deps pytest

# Debian's chromium for the browser tests (tests/report/test_browser.py); installed when root.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then \
		echo "browser tests use $$(command -v chromium || echo /usr/bin/chromium)"; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "could not install chromium: the browser tests will be skipped (and fail under CI)"; \
	else \
		echo "chromium is missing: run 'sudo apt-get install chromium' (browser tests are skipped)"; \
	fi

test-browser: $(STAMP) browser-deps
	$(BIN)/pytest -q -m browser tests/report

# Benchmarks print their figures (medians of several runs); they are not part of `make test`.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_pipeline.py --runs 3
	$(BIN)/python benchmarks/bench_cluster.py
	$(BIN)/python benchmarks/bench_geocode.py
	$(BIN)/python benchmarks/bench_readers.py
	$(BIN)/python benchmarks/bench_report.py
	nice -n 10 $(BIN)/python benchmarks/bench_world.py --scale 1.0 --memory-limit-gb 6

# The whole pipeline on the scale-1.0 world (built once, cached): time, CPU and peak memory per stage.
bench-world: $(STAMP)
	nice -n 10 $(BIN)/python benchmarks/bench_world.py --scale 1.0 --memory-limit-gb 6

# Fuzzing of every reader with mutated real samples (../shared): FUZZ_CASES per format (at
# least 100,000; about 5 ms a case on an idle core, so some hours over the two cores); the
# figures (cases read and refused per format) go to out/fuzz.jsonl. A 200 MB file of garbage
# is read once per format too (benchmarks/fuzz_garbage.py).
FUZZ_CASES ?= 100000
fuzz: $(STAMP)
	mkdir -p out && rm -f out/fuzz.jsonl
	STCLUSTERS_FUZZ_CASES=$(FUZZ_CASES) STCLUSTERS_FUZZ_REPORT=out/fuzz.jsonl \
		$(BIN)/pytest -q -n 2 tests/fuzz -k survives
	cat out/fuzz.jsonl
	$(BIN)/python benchmarks/fuzz_garbage.py --mb 200

bench-report: $(STAMP)
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) out .mypy_cache .pytest_cache .ruff_cache

# jic — the two commands a newcomer needs are `make demo` and `make test`.
# Everything installs what is missing first (scripts/deps.sh, Debian packages).

JOBS ?= 2
FUZZ_SECONDS ?= 20
BENCH ?= all
N ?=
WORKLOAD ?=
PYTHON ?= /usr/bin/python3

.PHONY: all deps build web demo test test-release test-console test-asan fuzz-run fuzz bench bench-service clean

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@echo "built build/jic"
	@bash scripts/web.sh

# The center on 127.0.0.1:8080 with the jic-2016 scenario, demo users and
# seeded notifications (DEMO_LISTEN=HOST:PORT to move it). Ctrl-C stops it.
demo: build
	@PYTHON=$(PYTHON) bash scripts/demo.sh

test: deps
	@bash scripts/test.sh

# The operations console alone (web/ -> web/dist/, served by jic serve at /).
web:
	@bash scripts/web.sh

# The pieces of `make test`, one at a time.
test-release: build
	@ctest --preset release
test-console: build
	@cd web && node tests/run.mjs
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS) --target jic_tests
	@ctest --preset asan
fuzz-run: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target agreement_fuzzer operation_fuzzer command_fuzzer
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)
fuzz:
	@$(MAKE) fuzz-run FUZZ_SECONDS=300

# make bench                                  every benchmark, default sizes
# make bench BENCH=w1 N=1000000 WORKLOAD=DIR  the peers' W1 on their workload folder
bench: build
	@BENCH=$(BENCH) N=$(N) WORKLOAD=$(WORKLOAD) PYTHON=$(PYTHON) bash scripts/bench.sh

# make bench-service                    jic serve under load (jic_load): notify, GET, hello
# make bench-service DURATION=30 BUILD_DIR=build-x   longer runs, another build folder
DURATION ?= 5
BUILD_DIR ?= build
bench-service: deps
	@BUILD_DIR=$(BUILD_DIR) DURATION=$(DURATION) JOBS=$(JOBS) PYTHON=$(PYTHON) bash scripts/bench_service.sh

clean:
	rm -rf build build-asan build-fuzz web/dist

# returnbridge — the front door. `make demo` and `make test` do everything on
# a fresh Debian 12 machine (as root, or with sudo for `make deps`).

DEBIAN_PACKAGES := build-essential pkg-config meson ninja-build \
	libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev \
	libssl-dev libcmocka-dev python3 python3-pytest curl sqlite3 openssl wrk

MESON_OPTS ?=
ARGS ?=

.PHONY: all deps build build-asan test test-unit lint demo bench bench-engine fuzz clean help

all: build

help:
	@echo "make deps        install the Debian packages returnbridge needs (idempotent)"
	@echo "make build       build build/returnbridge"
	@echo "make test        build normal and ASan+UBSan variants and run every test in both"
	@echo "make demo        run returnbridge on its embedded SQLite default and show it answering"
	@echo "                 (make demo ARGS=--once runs to completion and exits)"
	@echo "make lint        house-style checks (banned functions)"
	@echo "make bench       print the benchmarks' figures (see bench/README.md)"
	@echo "make bench-engine  drain 1000 returns against odoo-emu's cost model (N=, SCALE=, PROFILE=)"
	@echo "make fuzz        run each libFuzzer target for FUZZ_SECONDS (default 60) under clang"
	@echo "make clean       remove build directories and demo state"

deps:
	@sh tools/deps.sh $(DEBIAN_PACKAGES)

build/build.ninja:
	meson setup build -Dwerror=true $(MESON_OPTS)

build-asan/build.ninja:
	meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug $(MESON_OPTS)

build: deps build/build.ninja
	ninja -C build

build-asan: deps build-asan/build.ninja
	ninja -C build-asan

lint:
	@sh tools/lint.sh

# Sanitizer findings fail the run: halt on the first UBSan report.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

test: build build-asan lint
	@status=0; \
	meson test -C build --print-errorlogs || status=1; \
	$(SAN_ENV) meson test -C build-asan --print-errorlogs || status=1; \
	sh tools/test-summary.sh build build-asan; \
	exit $$status

demo: build
	@sh tools/demo.sh $(ARGS)

bench: build
	@sh bench/ingest/run.sh
	@sh bench/odoo_emu_rps.sh 17
	@sh bench/odoo_emu_rps.sh 18
	@sh bench/rebound/run.sh

bench-engine: build
	@N=$(N) SCALE=$(SCALE) PROFILE=$(PROFILE) sh bench/engine/drain.sh

FUZZ_SECONDS ?= 60
fuzz: deps
	@sh tools/deps.sh clang >/dev/null
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	ninja -C build-fuzz
	@sh tools/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz .demo

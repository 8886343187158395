# standardiste — the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo
CONFIG ?= standardiste.example.toml

.PHONY: run build test clippy bench clean sounds

## Build and start the service on var/standardiste.sqlite with the demo practice (number 1000).
run:
	$(CARGO) run --release -- --config $(CONFIG) serve

build:
	$(CARGO) build --release

## Pre-render every fixed sentence into the prompt cache and sounds/<language>/<key>.wav.
sounds:
	$(CARGO) run --release -- --config $(CONFIG) sounds

## Every test, then clippy with warnings as errors.
test:
	$(CARGO) test --bench agenda --bench speech
	$(CARGO) test --lib --bins --tests
	$(CARGO) clippy --all-targets -- -D warnings

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf var

## Benchmarks, short versions (about 3 minutes); figures and full runs in docs/BENCHMARKS.md.
LOAD = ./target/release/standardiste-load --spawn
bench:
	BENCH_QUICK=1 $(CARGO) bench --bench agenda
	$(CARGO) bench --bench speech
	$(CARGO) build --release --bins
	$(LOAD) --think-ms 2000 steady --calls 1000 --seconds 20
	$(LOAD) --think-ms 2000 ramp --start 500 --step 500 --step-seconds 8 --max 2000
	$(LOAD) monday --calls 300 --seconds 10

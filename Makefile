# standardiste — the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo
CONFIG ?= standardiste.example.toml

.PHONY: run build test clippy bench clean

## Build and start the service on var/standardiste.sqlite with the demo practice (number 1000).
run:
	$(CARGO) run --release -- --config $(CONFIG) serve

build:
	$(CARGO) build --release

## Every test, then clippy with warnings as errors.
test:
	$(CARGO) test --all-targets
	$(CARGO) clippy --all-targets -- -D warnings

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf var

## Benchmarks (figures in docs/BENCHMARKS.md).
bench:
	BENCH_QUICK=1 $(CARGO) bench --bench agenda

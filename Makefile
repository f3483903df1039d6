# Peloton-C++ developer entry points. Every target installs missing Debian packages first
# (scripts/bootstrap.sh), so a fresh Debian 12 machine needs nothing else.
#
#   make          build everything
#   make run      start peloton-master on this machine (data in ./var; RUN_FLAGS=--local-hosts=4)
#   make test     run every test
#   make bench    run the benchmarks (Google Benchmark; results on stdout)
#   make test-sanitize  run every test under AddressSanitizer and UndefinedBehaviorSanitizer
#                 (own Bazel output base, so the normal build stays cached)
#   make format   clang-format the C++ sources
#   make install PREFIX=/usr/local  headers, libpeloton.a and peloton.pc for builds outside Bazel
#   make docs     the API reference (Doxygen, docs/api/html) and the library guide's sample output
#   make version  the version, from git tags (scripts/version.sh); every binary's --version
#   make debs     Debian packages into ./debs: peloton, libpeloton-dev, python3-peloton
#   make fuzz     each fuzz target (fuzz/) with libFuzzer and clang-16 for FUZZ_SECONDS (60);
#                 its corpus grows in var/fuzz/<target>, what crashes lands there as crash-*
#   make chaos    the chaos test (tests/chaos_test.sh) with CHAOS_KILLS (50) kills per mode;
#                 CHAOS_SEED=N replays a run's choices
#   make integ-test  the acceptance scenarios through the CLI against a master of their own, or
#                 CLUSTER=host:port against a running deployment (tests/integ/integ.sh)

BAZEL ?= bazel
BAZEL_FLAGS ?=
# Tests that replay the real cluster traces run when ../shared/data is there (CI has it).
OPENB_DIR := $(abspath ../shared/data/openb)
TEST_FLAGS := $(if $(wildcard $(OPENB_DIR)/openb_node_list_all_node.csv),--test_env=PELOTON_OPENB_DIR=$(OPENB_DIR),)
BENCH_FLAGS ?= --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

SANITIZE_FLAGS := --copt=-fsanitize=address,undefined --linkopt=-fsanitize=address,undefined \
  --copt=-fno-sanitize-recover=all --copt=-fno-omit-frame-pointer --copt=-O1 --disk_cache= \
  --symlink_prefix=/

.PHONY: all build run test test-sanitize bench format bootstrap clean install docs version debs integ-test fuzz chaos
RUN_FLAGS ?=
PREFIX ?= /usr/local

all: build

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	$(BAZEL) build $(BAZEL_FLAGS) //...

run: bootstrap
	BAZEL=$(BAZEL) bash scripts/run.sh $(RUN_FLAGS)

test: bootstrap
	$(BAZEL) test $(BAZEL_FLAGS) $(TEST_FLAGS) //...

test-sanitize: bootstrap
	$(BAZEL) --output_base=$(HOME)/.cache/peloton-bazel-sanitize test $(SANITIZE_FLAGS) $(TEST_FLAGS) //...

bench: bootstrap
	$(BAZEL) build $(BAZEL_FLAGS) //bench:all
	@for b in $$($(BAZEL) query 'kind(cc_binary, //bench:all) intersect attr(tags, benchmark, //bench:all)' 2>/dev/null); do \
	  bin=.bazel/bin/bench/$${b##*:}; echo "== $$bin"; $$bin $(BENCH_FLAGS) || exit 1; \
	done

install: bootstrap
	$(BAZEL) build $(BAZEL_FLAGS) //lib:libpeloton
	bash scripts/install.sh "$(abspath $(PREFIX))" .bazel/bin/lib/libpeloton.a .

docs: bootstrap
	$(BAZEL) build $(BAZEL_FLAGS) //docs/samples:all //bindings/python:peloton.so
	/usr/bin/python3 docs/check_samples.py --bin .bazel/bin --fix
	mkdir -p docs/api
	PELOTON_VERSION="$$(cat VERSION)" PELOTON_DOCS_OUT=docs/api doxygen docs/Doxyfile
	@echo "API reference: docs/api/html/index.html"

version:
	@bash scripts/version.sh

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := job_yaml pool_yaml mesos_stream store_file
# Built with g++ (Cap'n Proto's headers do not compile with clang-16): blind random edits of
# the corpus for FUZZ_SECONDS, from a random seed (printed).
FUZZ_REPLAY_TARGETS := http_request
FUZZ_BAZEL := CC=clang-16 $(BAZEL) --output_base=$(HOME)/.cache/peloton-bazel-fuzz
fuzz: bootstrap
	$(FUZZ_BAZEL) build --config=fuzz $(foreach t,$(FUZZ_TARGETS),//fuzz:$(t)_fuzzer)
	@bin=$$($(FUZZ_BAZEL) info --config=fuzz bazel-bin 2>/dev/null); \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p var/fuzz/$$t && echo "== $$t, $(FUZZ_SECONDS) s" && \
	  if ! $$bin/fuzz/$${t}_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	      -artifact_prefix=var/fuzz/$$t/ var/fuzz/$$t fuzz/corpus/$$t fuzz/regressions/$$t \
	      > var/fuzz/$$t.log 2>&1; then \
	    tail -40 var/fuzz/$$t.log; echo "make fuzz: $$t failed; the input is in var/fuzz/$$t/"; \
	    exit 1; \
	  fi; \
	  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|#[0-9]+ +DONE)' \
	    var/fuzz/$$t.log; \
	done
	$(BAZEL) build $(BAZEL_FLAGS) $(foreach t,$(FUZZ_REPLAY_TARGETS),//fuzz:$(t)_fuzzer)
	@for t in $(FUZZ_REPLAY_TARGETS); do \
	  mkdir -p var/fuzz/$$t && echo "== $$t (g++, random edits), $(FUZZ_SECONDS) s" && \
	  TEST_UNDECLARED_OUTPUTS_DIR=$(CURDIR)/var/fuzz/$$t .bazel/bin/fuzz/$${t}_fuzzer \
	    --seconds=$(FUZZ_SECONDS) --seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ') \
	    fuzz/corpus/$$t fuzz/regressions/$$t 2> var/fuzz/$$t.log || \
	    { tail -20 var/fuzz/$$t.log; echo "make fuzz: $$t failed; the input is in var/fuzz/$$t/"; \
	      exit 1; }; \
	done

CHAOS_KILLS ?= 50
CHAOS_SEED ?=
chaos: bootstrap
	$(BAZEL) test $(BAZEL_FLAGS) //tests:chaos_test --nocache_test_results --test_output=streamed \
	  --test_env=CHAOS_KILLS=$(CHAOS_KILLS) $(if $(CHAOS_SEED),--test_env=CHAOS_SEED=$(CHAOS_SEED),)

integ-test: bootstrap
	$(BAZEL) build $(BAZEL_FLAGS) //services/cli:peloton //services/bin:peloton-master
	CLUSTER="$(CLUSTER)" bash tests/integ/integ.sh

debs: bootstrap
	$(BAZEL) build $(BAZEL_FLAGS) //packaging:debs
	@rm -rf debs && mkdir -p debs && for p in peloton libpeloton-dev python3-peloton; do \
	  f=.bazel/bin/packaging/$$p.deb; \
	  out=debs/$${p}_$$(dpkg-deb -f $$f Version)_$$(dpkg-deb -f $$f Architecture).deb; \
	  install -m 644 $$f $$out && echo $$out; \
	done

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	$(BAZEL) clean

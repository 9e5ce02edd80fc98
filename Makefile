# careflow — build, run, test, bench.
#
#   make            build build/careflow
#   make run        build, then run the main example scenario (CSVs and plots in out/)
#   make test       build and run every test in tests/ (cmocka)
#   make asan       the tests under AddressSanitizer and UBSan
#   make bench      the benchmarks in bench/, printing figures
#   make fuzz       libFuzzer harnesses of the scenario loader (clang), each run for
#                   FUZZ_SECONDS (60); see tests/fuzz/README.md
#   make MPI=1      build build/mpi/careflow against Debian's OpenMPI (mpicc), so that
#                   `mpirun -n K build/mpi/careflow sensitivity ...` spreads a sweep over
#                   K processes; `make MPI=1 test` runs the tests with it
#   make council-data  the synthetic council's case records in scenarios/data/council/,
#                   made again (exactly) from scenarios/council.yaml
#
# Each step prints one short line; V=1 prints the full commands.
#
# Missing Debian packages (libyaml-dev, libxml2-dev, libgsl-dev, libcmocka-dev, gnuplot-nox, pkg-config,
# and chromium, the browser tests/test_report.c loads every report.html in) are
# installed with apt-get the first time a target needs them (run as root on a fresh
# machine, as CI does). With MPI=1, libopenmpi-dev and openmpi-bin too; for make fuzz,
# clang and libclang-rt-dev.

CC       ?= cc
OPT      ?= -O2 -g
SANITIZER ?=

# The warning list, spelled out (as Lua's CWARNS): the build is clean with gcc and clang.
CWARNS   = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wformat=2 -Wundef -Wcast-align \
           -Wno-unused-parameter
CSTD     = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CPPFLAGS += -I. -I/usr/include/libxml2 -MMD -MP
CFLAGS   += $(CSTD) $(CWARNS) $(OPT) -pthread
LDLIBS   += -lyaml -lxml2 -lgsl -lgslcblas -lm -pthread

ifeq ($(SANITIZER),)
BUILD    = build
else
BUILD    = build/$(SANITIZER)
CFLAGS  += -fsanitize=$(SANITIZER) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZER)
endif

# MPI=1: the same sources through Debian's OpenMPI wrapper, in a folder of their own.
MPI      ?=
# A compiler given on the command line (make CC=clang MPI=1) is the one mpicc wraps.
ifeq ($(MPI),1)
BUILD   := $(BUILD)/mpi
ifeq ($(origin CC),command line)
export OMPI_CC := $(CC)
endif
override CC := mpicc
CPPFLAGS += -DCAREFLOW_MPI
endif

LIB_SRC  = $(wildcard sim/*.c) $(filter-out models/commands/main.c,$(wildcard models/*/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libcareflow.a
BIN      = $(BUILD)/careflow
TEST_SRC = $(wildcard tests/test_*.c)
TESTS    = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC = $(wildcard bench/*.c)
BENCHES  = $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

DEB_PKGS = libyaml-dev libxml2-dev libgsl-dev libcmocka-dev gnuplot-nox pkg-config chromium
MPI_PKGS = libopenmpi-dev openmpi-bin   # with MPI=1 only
DEPS_OK  = $(BUILD)/.deps-ok

# One short line a step ("  CC  sim/heap.c"); V=1 prints the full commands.
ifeq ($(V),1)
Q   =
say = @:
else
Q   = @
say = @printf '  %-5s %s\n'
endif

.PHONY: all run test asan bench fuzz clean deps council-data
# keep test and bench objects (no "rm" after the test summary; no relinking)
.SECONDARY:
.DEFAULT_GOAL := all

all: $(BIN)

# Install what is missing, once per build folder; cheap when everything is there.
$(DEPS_OK):
	@mkdir -p $(@D)
	@missing=""; \
	 [ -f /usr/include/yaml.h ] || missing="$$missing libyaml-dev"; \
	 [ -f /usr/include/libxml2/libxml/parser.h ] || missing="$$missing libxml2-dev"; \
	 [ -f /usr/include/gsl/gsl_multimin.h ] || missing="$$missing libgsl-dev"; \
	 [ -f /usr/include/cmocka.h ] || missing="$$missing libcmocka-dev"; \
	 command -v gnuplot >/dev/null 2>&1 || missing="$$missing gnuplot-nox"; \
	 command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	 command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	 if [ "$(MPI)" = 1 ]; then \
	   command -v mpicc >/dev/null 2>&1 || missing="$$missing libopenmpi-dev"; \
	   command -v mpirun >/dev/null 2>&1 || missing="$$missing openmpi-bin"; \
	 fi; \
	 if [ -n "$$missing" ]; then \
	   echo "installing Debian packages:$$missing"; \
	   if [ "$$(id -u)" != 0 ]; then echo "error: need root to apt-get install$$missing" >&2; exit 1; fi; \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	 fi
	@touch $@

deps: $(DEPS_OK)

# Every object rebuilds when the Makefile changes.
$(BUILD)/%.o: %.c Makefile | $(DEPS_OK)
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(say) AR $@
	$(Q)$(AR) rcs $@ $^

$(BIN): $(BUILD)/models/commands/main.o $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) $(CFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) $(CFLAGS) $^ -o $@ $(LDLIBS)

run: $(BIN)
	$(BIN) run scenarios/hampshire-baseline.yaml

# Where Debian's OpenMPI is installed, the tests also build build/mpi/careflow and
# check that `mpirun -n 3` writes the same bytes as threads (skipped, saying so,
# elsewhere).
ifeq ($(MPI),1)
MPI_BIN  = $(BIN)
else ifeq ($(SANITIZER),)
MPI_BIN  = build/mpi/careflow
endif

test: $(BIN) $(TESTS)
	@if [ "$(MPI)" != 1 ] && [ -n "$(MPI_BIN)" ] && command -v mpicc >/dev/null 2>&1; then \
	   $(MAKE) --no-print-directory MPI=1 all >/dev/null || exit 1; fi
	@CAREFLOW=$(BIN) CAREFLOW_MPI_BIN=$(MPI_BIN) V=$(V) sh tests/run.sh $(TESTS)

asan:
	$(MAKE) SANITIZER=address,undefined OPT="-O1 -g" test

bench: $(BIN) $(BENCHES)
	@CAREFLOW=$(BIN) BUILD=$(BUILD) sh bench/run.sh

# ---- make fuzz ----------------------------------------------------------------------
# The harnesses of tests/fuzz/ (harness.c, driven by fuzz_main.c once per harness),
# linked with the library compiled by clang with the same sanitizers in a folder of its
# own (never the gcc libcareflow.a). tests/fuzz/run.sh runs each for FUZZ_SECONDS on a
# copy of its seed corpus and fails, naming the reproducer, if one finds a crash.
FUZZ_SECONDS ?= 60
FUZZ_CC    = clang
FUZZ_DIR   = build/fuzz
FUZZ_NAMES = load include set csv records initial
FUZZ_CFLAGS = $(CSTD) $(CWARNS) -O1 -g -pthread -fno-omit-frame-pointer \
              -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJ   = $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/tests/fuzz/harness.o
FUZZERS    = $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DIR)/.clang-ok: | $(DEPS_OK)
	@mkdir -p $(@D)
	@missing=""; \
	 command -v $(FUZZ_CC) >/dev/null 2>&1 || missing="clang libclang-rt-dev"; \
	 [ -n "$$missing" ] || [ -f "$$($(FUZZ_CC) -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$$(uname -m).a" ] \
	   || missing="libclang-rt-dev"; \
	 if [ -n "$$missing" ]; then \
	   echo "installing Debian packages: $$missing"; \
	   if [ "$$(id -u)" != 0 ]; then echo "error: need root to apt-get install $$missing" >&2; exit 1; fi; \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	 fi
	@touch $@

$(FUZZ_DIR)/obj/%.o: %.c Makefile | $(FUZZ_DIR)/.clang-ok
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZERS): $(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_main.c $(FUZZ_OBJ) Makefile
	$(say) LINK $@
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_HARNESS='"$*"' \
	    $< $(FUZZ_OBJ) -o $@ $(LDLIBS)

fuzz: $(FUZZERS)
	@sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_NAMES)

# The regression test replays tests/fuzz/regressions/ through the same harness code.
$(BUILD)/tests/test_fuzz_regressions: $(BUILD)/tests/test_fuzz_regressions.o \
                                      $(BUILD)/tests/fuzz/harness.o $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) $(CFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

# The synthetic council's records (docs and tests of estimate and backtest read them).
council-data: $(BIN)
	sh scenarios/data/council/regenerate.sh $(BIN)

clean:
	rm -rf build out

-include $(LIB_OBJ:.o=.d) $(BUILD)/models/commands/main.d $(TESTS:=.d) $(BENCHES:=.d)
-include $(BUILD)/tests/fuzz/harness.d $(FUZZ_OBJ:.o=.d) $(FUZZERS:=.d)

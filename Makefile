# flowlens - plain GNU Makefile.  `make` builds build/flowlens.
#   make run     install missing packages, build, open the terminal UI on the
#                bundled sample plus live demo traffic (store under build/)
#   make report  the headless reject report of the bundled sample (no UI)
#   make screenshots  regenerate screenshots/ from real runs in tmux
#   make check   install what the tests need, build, run every test
#   make bench   speed and size against sqlite3 and DuckDB, the Firehose
#                endpoint under load, and the terminal UI's frame and
#                keypress figures (see README)
# Set CC=clang to build with clang; SANITIZE=1 for an ASan+UBSan build.

VERSION   := 0.1.0
BUILD_SHA := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CC        ?= cc
# Linked: what every run needs.  Loaded on first use (src/dynlib.h): the
# libraries of the AWS sources, the Firehose endpoint and the SNAPPY codec,
# whose headers are still needed to build.
PKGS      := sqlite3 jansson zlib ncursesw libzstd libdeflate
PKGS_DYN  := libcurl libcrypto libmicrohttpd
BUILDDIR  ?= build
SANITIZE  ?= 0

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(PKGS_DYN) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -ljansson -lz -lncursesw -ltinfo -lzstd -ldeflate)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -pthread
CPPFLAGS += -D_GNU_SOURCE -Isrc -Iui $(PKG_CFLAGS) \
            -DFLOWLENS_VERSION='"$(VERSION)"' -DFLOWLENS_BUILD='"$(BUILD_SHA)"'
LDLIBS   += $(PKG_LIBS) -pthread
ifeq ($(SANITIZE),1)
CFLAGS   += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

SRC      := $(filter-out src/main.c,$(wildcard src/*.c))
OBJ      := $(SRC:src/%.c=$(BUILDDIR)/obj/%.o) $(BUILDDIR)/obj/canned_data.o
UI_SRC   := $(wildcard ui/*.c)
UI_OBJ   := $(UI_SRC:ui/%.c=$(BUILDDIR)/obj/ui/%.o)
# The UI modules without curses code, linked into the unit tests too.
UI_CORE  := $(BUILDDIR)/obj/ui/edit.o $(BUILDDIR)/obj/ui/filter.o \
            $(BUILDDIR)/obj/ui/config.o
QUERIES  := $(sort $(wildcard data/queries/*.sql))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILDDIR)/tests/%)

# Debian packages: to build, to run the tests, to benchmark.
DEPS_BUILD := gcc make pkg-config libsqlite3-dev libjansson-dev zlib1g-dev \
              libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libncurses-dev \
              libzstd-dev libsnappy-dev libdeflate-dev
DEPS_TEST  := clang libclang-rt-14-dev sqlite3 tmux nodejs npm curl openssl python3
DEPS_SCREENSHOTS := tmux python3 python3-pil fonts-dejavu-core
DEPS_BENCH := sqlite3 nodejs npm valgrind tmux

.PHONY: all run report screenshots check bench deps deps-test clean unit fuzz FORCE

all: $(BUILDDIR)/flowlens

$(BUILDDIR)/obj/%.o: src/%.c $(wildcard src/*.h) | $(BUILDDIR)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The commit is compiled into `--version` and Parquet's created_by: the two
# objects that print it are rebuilt whenever it changes.
$(BUILDDIR)/obj/build-sha: FORCE | $(BUILDDIR)/obj
	@echo '$(BUILD_SHA)' | cmp -s - $@ || echo '$(BUILD_SHA)' > $@

$(BUILDDIR)/obj/main.o $(BUILDDIR)/obj/archive.o: $(BUILDDIR)/obj/build-sha

FORCE:

$(BUILDDIR)/obj/canned_data.c: $(QUERIES) src/embed-queries.sh | $(BUILDDIR)/obj
	sh src/embed-queries.sh $@ $(QUERIES)

$(BUILDDIR)/obj/canned_data.o: $(BUILDDIR)/obj/canned_data.c src/canned.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILDDIR)/libflowlens.a: $(OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILDDIR)/obj/ui/%.o: ui/%.c $(wildcard ui/*.h) $(wildcard src/*.h) | $(BUILDDIR)/obj/ui
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILDDIR)/flowlens: $(BUILDDIR)/obj/main.o $(UI_OBJ) $(BUILDDIR)/libflowlens.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILDDIR)/tests/%: tests/unit/%.c tests/unit/unit.h $(UI_CORE) $(BUILDDIR)/libflowlens.a | $(BUILDDIR)/tests
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(UI_CORE) $(BUILDDIR)/libflowlens.a $(LDLIBS)

$(BUILDDIR)/obj $(BUILDDIR)/obj/ui $(BUILDDIR)/tests:
	mkdir -p $@

unit: $(UNIT_BIN)

# Install missing Debian packages (needs root or sudo; does nothing when
# everything is there).
deps:
	@sh tests/deps.sh $(DEPS_BUILD)

deps-test:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

# The UI on the bundled sample plus live demo traffic, in a store under
# build/ so the user's own store is never touched.
run: deps all
	$(BUILDDIR)/flowlens --db $(BUILDDIR)/run/flowlens.db --range all --window 1m \
	    data/samples/vpc-flow-logs-sample.log.gz demo:rate=200

report: deps all
	@sh tests/run-sample.sh $(BUILDDIR)/flowlens

screenshots: deps all
	@sh tests/deps.sh $(DEPS_SCREENSHOTS)
	@sh tests/tui/screenshots.sh $(BUILDDIR)/flowlens

check: deps-test
	@sh tests/check.sh

bench: deps all
	@sh tests/deps.sh $(DEPS_BENCH)
	@sh tests/bench/run.sh $(BUILDDIR)/flowlens
	@sh tests/bench/instructions.sh $(BUILDDIR)/flowlens
	@sh tests/bench/cwlogs.sh $(BUILDDIR)/flowlens
	@sh tests/bench/firehose.sh $(BUILDDIR)/flowlens
	@sh tests/tui/bench.sh $(BUILDDIR)/flowlens
	@sh tests/bench/archive.sh $(BUILDDIR)/flowlens

fuzz: deps-test
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-60} sh tests/fuzz/run.sh

clean:
	rm -rf build

# flowlens - plain GNU Makefile.  `make` builds build/flowlens.
#   make run     install missing packages, build, ingest the bundled sample
#                and print the canned reject report
#   make check   install what the tests need, build, run every test
#   make bench   speed and size against sqlite3 and DuckDB (see README)
# Set CC=clang to build with clang; SANITIZE=1 for an ASan+UBSan build.

VERSION   := 0.1.0
BUILD_SHA := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CC        ?= cc
PKGS      := sqlite3 jansson zlib libzstd
BUILDDIR  ?= build
SANITIZE  ?= 0

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -ljansson -lz -lzstd) -lsnappy

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -pthread
CPPFLAGS += -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) \
            -DFLOWLENS_VERSION='"$(VERSION)"' -DFLOWLENS_BUILD='"$(BUILD_SHA)"'
LDLIBS   += $(PKG_LIBS) -pthread
ifeq ($(SANITIZE),1)
CFLAGS   += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

SRC      := $(filter-out src/main.c,$(wildcard src/*.c))
OBJ      := $(SRC:src/%.c=$(BUILDDIR)/obj/%.o) $(BUILDDIR)/obj/canned_data.o
QUERIES  := $(sort $(wildcard data/queries/*.sql))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILDDIR)/tests/%)

# Debian packages: to build, to run the tests, to benchmark.
DEPS_BUILD := gcc make pkg-config libsqlite3-dev libjansson-dev zlib1g-dev \
              libzstd-dev libsnappy-dev
DEPS_TEST  := clang libclang-rt-14-dev sqlite3 tmux nodejs npm
DEPS_BENCH := sqlite3 nodejs npm valgrind

.PHONY: all run check bench deps deps-test clean unit fuzz

all: $(BUILDDIR)/flowlens

$(BUILDDIR)/obj/%.o: src/%.c $(wildcard src/*.h) | $(BUILDDIR)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILDDIR)/obj/canned_data.c: $(QUERIES) src/embed-queries.sh | $(BUILDDIR)/obj
	sh src/embed-queries.sh $@ $(QUERIES)

$(BUILDDIR)/obj/canned_data.o: $(BUILDDIR)/obj/canned_data.c src/canned.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILDDIR)/libflowlens.a: $(OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILDDIR)/flowlens: $(BUILDDIR)/obj/main.o $(BUILDDIR)/libflowlens.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILDDIR)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILDDIR)/libflowlens.a | $(BUILDDIR)/tests
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILDDIR)/libflowlens.a $(LDLIBS)

$(BUILDDIR)/obj $(BUILDDIR)/tests:
	mkdir -p $@

unit: $(UNIT_BIN)

# Install missing Debian packages (needs root or sudo; does nothing when
# everything is there).
deps:
	@sh tests/deps.sh $(DEPS_BUILD)

deps-test:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

run: deps all
	@sh tests/run-sample.sh $(BUILDDIR)/flowlens

check: deps-test
	@sh tests/check.sh

bench: deps all
	@sh tests/deps.sh $(DEPS_BENCH)
	@sh tests/bench/run.sh $(BUILDDIR)/flowlens
	@sh tests/bench/instructions.sh $(BUILDDIR)/flowlens
	@sh tests/bench/archive.sh $(BUILDDIR)/flowlens

fuzz: deps-test
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-60} sh tests/fuzz/run.sh

clean:
	rm -rf build

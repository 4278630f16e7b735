# paraneo - clinical decision support for paraneoplastic syndromes.
#
#   make run     install what is missing, build, run the main job
#   make check   install what is missing, build, run every test (also under ASan+UBSan)
#   make         build build/libparaneo.a, build/libparaneo.so, build/paraneo, build/paraneo.pc
#   make asan    the same with AddressSanitizer + UBSan, in build-asan/
#   make fuzz    run each libFuzzer harness for FUZZ_SECONDS (default 120)
#   make install PREFIX=/usr/local [DESTDIR=...]
#
# Plain GNU make, no generator: every source file of a part is compiled.

VERSION      := 0.1.0
SOVERSION    := 0
PREFIX       ?= /usr/local
DESTDIR      ?=
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share/paraneo
MANDIR       ?= $(PREFIX)/share/man

BUILD        ?= build
CC           ?= cc
SAN          ?=
FUZZ_SECONDS ?= 120
CHECK_FUZZ_SECONDS ?= 20

WARNINGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
            -Wno-format-nonliteral -Wvla -Wpointer-arith
ifeq ($(SAN),1)
OPT      := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDSAN    := -fsanitize=address,undefined
else
OPT      := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
LDSAN    :=
endif

PKGS     := jansson libcrypto
CPPFLAGS += -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L \
            -DPN_SOURCE_KB='"$(CURDIR)/kb"' -DPN_DATADIR_KB='"$(DATADIR)/kb"' \
            -DPN_SOURCE_WEB='"$(CURDIR)/web"' -DPN_DATADIR_WEB='"$(DATADIR)/web"'
CFLAGS   += $(WARNINGS) $(OPT) -fPIC -fvisibility=hidden
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljansson -lcrypto) -lm

LIB_SRC  := $(sort $(wildcard src/util/*.c src/core/*.c src/kb/*.c src/fhir/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
# The application parts that need more than the library's jansson + OpenSSL:
# the service (libmicrohttpd, SQLite, libcurl) and the bulk screener (Open MPI
# when present).  They go into build/libparaneo-app.a, linked into the paraneo
# command and the unit tests, never into libparaneo itself.
APP_SRC  := $(sort $(wildcard src/server/*.c src/screen/*.c))
APP_PKGS := libmicrohttpd sqlite3 libcurl
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null)
ifneq ($(MPI_LIBS),)
APP_CPPFLAGS := -DPN_HAVE_MPI $(MPI_CFLAGS)
endif
APP_LIBS := $(shell pkg-config --libs $(APP_PKGS) 2>/dev/null || echo -lmicrohttpd -lsqlite3 -lcurl) \
            $(MPI_LIBS) -lpthread
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.SECONDARY:
.PHONY: screen-test bench-screen bench-serve server-test browser-test schema-test bench eval all deps run check test unit-test cli-test asan asan-check fuzz fuzz-check \
        install uninstall clean distclean kb-check

all: $(BUILD)/libparaneo.a $(BUILD)/libparaneo.so $(BUILD)/paraneo $(BUILD)/paraneo.pc

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/src/server/%.o: src/server/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) $(APP_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/src/screen/%.o: src/screen/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) $(APP_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/src/cli/%.o: src/cli/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) $(APP_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(APP_OBJ:.o=.d)

$(BUILD)/libparaneo-app.a: $(APP_OBJ)
	@rm -f $@
	@mkdir -p $(dir $@)
	ar rcs $@ $^

$(BUILD)/libparaneo.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libparaneo.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libparaneo.so.$(SOVERSION) $(LDSAN) -o $@ $^ $(LDLIBS)

$(BUILD)/paraneo: $(CLI_OBJ) $(BUILD)/libparaneo-app.a $(BUILD)/libparaneo.a
	$(CC) $(LDSAN) -o $@ $(CLI_OBJ) $(BUILD)/libparaneo-app.a $(BUILD)/libparaneo.a $(APP_LIBS) $(LDLIBS)

$(BUILD)/paraneo.pc: paraneo.pc.in Makefile
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testutil.h $(BUILD)/libparaneo-app.a $(BUILD)/libparaneo.a
	@mkdir -p $(dir $@)
	@echo "  TEST $<"
	@$(CC) $(CPPFLAGS) $(APP_CPPFLAGS) -DPN_TOP='"$(CURDIR)"' -Itests/unit $(CFLAGS) -o $@ $< \
	    $(BUILD)/libparaneo-app.a $(BUILD)/libparaneo.a $(LDSAN) $(APP_LIBS) $(LDLIBS) -lcmocka

# ---- the main job ---------------------------------------------------------
# The service on embedded defaults: the web page, REST API and CDS Hooks on
# 127.0.0.1:8080 (RUN_LISTEN), stored in paraneo.db (RUN_DB).  Ctrl-C stops it.
RUN_LISTEN ?= 127.0.0.1:8080
RUN_DB     ?= paraneo.db
run: deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/paraneo kb check
	@echo "paraneo: open http://$(RUN_LISTEN)/ (patients: http://$(RUN_LISTEN)/patient); Ctrl-C stops"
	@exec $(BUILD)/paraneo serve --listen $(RUN_LISTEN) --db $(RUN_DB)

# ---- tests ----------------------------------------------------------------
kb-check: all
	$(BUILD)/paraneo kb check

unit-test: $(TESTS)
	@scripts/run-tests $(TESTS)

# A test tool that mints JWTs with test keys (ES384, RS384, HS256, none).
$(BUILD)/tests/jwt_tool: tests/server/jwt_tool.c tests/server/jwt_sign.h
	@mkdir -p $(dir $@)
	@$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDSAN) $(LDLIBS)

# The service over real HTTP on 127.0.0.1 (tests/server/run.sh).
server-test: all $(BUILD)/tests/jwt_tool
	@PARANEO=$(BUILD)/paraneo JWT_TOOL=$(BUILD)/tests/jwt_tool TEST_OUTPUT=$(BUILD)/test-output \
	    tests/server/run.sh

# The web pages in Debian's headless Chromium (playwright-core); screenshots
# in build/test-output/.
browser-test: all
	@PARANEO=$(BUILD)/paraneo tests/browser/run.sh

# The bulk screener and the synthetic exports (tests/screen/run.sh): planted
# cases found, threads and MPI ranks agree, bad lines located, memory bound.
screen-test: all
	@PARANEO=$(BUILD)/paraneo tests/screen/run.sh

cli-test: all
	@PARANEO=$(BUILD)/paraneo tests/cli/run.sh
	@PARANEO=$(BUILD)/paraneo tests/criteria/run.sh
	@PARANEO=$(BUILD)/paraneo tests/fhir/run.sh | tail -n 1

# Reports and cases against the contract's JSON Schemas (ajv, from the npm registry).
schema-test: all
	@PARANEO=$(BUILD)/paraneo tests/schema/run.sh

test: unit-test cli-test schema-test

# The accuracy gate: the shared examples and tests/cases (docs/model.md).
eval: all
	@scripts/eval-cases $(BUILD)/paraneo tests/examples/*.expect.json $(wildcard tests/cases/*.expect.json)

asan:
	$(MAKE) BUILD=build-asan SAN=1 all

asan-check:
	$(MAKE) BUILD=build-asan SAN=1 unit-test cli-test server-test

check: deps
	$(MAKE) all
	$(MAKE) kb-check
	$(MAKE) test
	$(MAKE) server-test
	$(MAKE) browser-test
	$(MAKE) screen-test
	$(MAKE) eval
	$(MAKE) asan-check
	$(MAKE) fuzz-check
	@echo "check: 14 passed, 0 failed (suites: kb, unit, cli, criteria, fhir, schema, server, browser, screen, eval, asan unit, asan cli, asan criteria+fhir, fuzz)"

# ---- benchmarks -------------------------------------------------------------
EXAMPLES ?= ../shared/examples
BENCH_ROUNDS ?= 300
$(BUILD)/bench/bench_eval: bench/bench_eval.c $(BUILD)/libparaneo.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libparaneo.a $(LDLIBS)

bench: deps all $(BUILD)/bench/bench_eval
	@PARANEO_KB=$(CURDIR)/kb $(BUILD)/bench/bench_eval $(BENCH_ROUNDS) $(EXAMPLES)/*.case.json $(wildcard tests/cases/*.case.json)

# The service under wrk next to nginx serving files of the same sizes.
BENCH_SECONDS ?= 10
bench-serve: deps
	@scripts/install-deps --bench
	@$(MAKE) --no-print-directory all
	@bench/bench_serve.sh $(BUILD)/paraneo $(BENCH_SECONDS) 64

# The bulk screener on a generated export of >= 2 GB (cached in $(BUILD)/bench-data):
# scan GB/s per core, patients/s, peak RSS, against cat, jansson and jq.
$(BUILD)/bench/bench_screen $(BUILD)/bench/bench_jansson_ndjson: $(BUILD)/bench/%: bench/%.c src/screen/scan.c src/screen/scan.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< src/screen/scan.c $(LDLIBS)

bench-screen: all $(BUILD)/bench/bench_screen $(BUILD)/bench/bench_jansson_ndjson
	@BUILD=$(BUILD) bench/bench_screen.sh

# ---- fuzzing (clang libFuzzer) --------------------------------------------
FUZZ_BUILD := build-fuzz
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZERS := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC (fuzz) $<"
	@clang $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

-include $(FUZZ_LIB_OBJ:.o=.d)

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	@echo "  LD (fuzz) $@"
	@clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)

# The screener's line scanner against jansson: needs only scan.o.
$(FUZZ_BUILD)/fuzz_scan: fuzz/fuzz_scan.c fuzz/scan_oracle.h $(FUZZ_BUILD)/obj/src/screen/scan.o
	@echo "  LD (fuzz) $@"
	@clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/obj/src/screen/scan.o $(LDLIBS)

# The CDS Hooks JWT check: auth.o, jwk.o and fetch.o (curl_global_init) on top of the library.
FUZZ_JWT_OBJ := $(addprefix $(FUZZ_BUILD)/obj/src/server/,auth.o jwk.o fetch.o)
-include $(FUZZ_JWT_OBJ:.o=.d)
$(FUZZ_BUILD)/fuzz_jwt: fuzz/fuzz_jwt.c $(FUZZ_JWT_OBJ) $(FUZZ_LIB_OBJ)
	@echo "  LD (fuzz) $@"
	@clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_JWT_OBJ) $(FUZZ_LIB_OBJ) -lcurl -lpthread $(LDLIBS)

# The CDS Hooks request path: every server object on top of the library.
FUZZ_SERVER_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(sort $(wildcard src/server/*.c)))
-include $(FUZZ_SERVER_OBJ:.o=.d)
$(FUZZ_BUILD)/fuzz_cds: fuzz/fuzz_cds.c $(FUZZ_SERVER_OBJ) $(FUZZ_LIB_OBJ)
	@echo "  LD (fuzz) $@"
	@clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_SERVER_OBJ) $(FUZZ_LIB_OBJ) \
	    $(APP_LIBS) $(LDLIBS)

fuzz: deps $(FUZZERS)
	@scripts/run-fuzz $(FUZZ_SECONDS) $(FUZZERS)

fuzz-check: $(FUZZERS)
	@scripts/run-fuzz $(CHECK_FUZZ_SECONDS) $(FUZZERS)

# ---- install --------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) \
	           $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/paraneo $(DESTDIR)$(BINDIR)/paraneo
	install -m 644 $(BUILD)/libparaneo.a $(DESTDIR)$(LIBDIR)/libparaneo.a
	install -m 755 $(BUILD)/libparaneo.so $(DESTDIR)$(LIBDIR)/libparaneo.so.$(VERSION)
	ln -sf libparaneo.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libparaneo.so.$(SOVERSION)
	ln -sf libparaneo.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libparaneo.so
	install -m 644 include/paraneo.h $(DESTDIR)$(INCLUDEDIR)/paraneo.h
	install -m 644 $(BUILD)/paraneo.pc $(DESTDIR)$(LIBDIR)/pkgconfig/paraneo.pc
	install -m 644 docs/paraneo.1 $(DESTDIR)$(MANDIR)/man1/paraneo.1
	rm -rf $(DESTDIR)$(DATADIR)/kb $(DESTDIR)$(DATADIR)/web
	cp -R kb $(DESTDIR)$(DATADIR)/kb
	cp -R web $(DESTDIR)$(DATADIR)/web

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/paraneo $(DESTDIR)$(LIBDIR)/libparaneo.a \
	      $(DESTDIR)$(LIBDIR)/libparaneo.so* $(DESTDIR)$(INCLUDEDIR)/paraneo.h \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/paraneo.pc $(DESTDIR)$(MANDIR)/man1/paraneo.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-fuzz

distclean: clean

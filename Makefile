# SPDX-License-Identifier: GPL-3.0-or-later
# tcpcheck: one engine, three forms.  `make` builds the program and the bash builtin,
# `make check` runs every test, `make deps` installs what a Debian 12 machine lacks (through
# scripts/deps), `make install` / `make deb` / `make release` ship it (static.mk: `make static`).

PREFIX     ?= /usr/local
BUILD      ?= build
CC         ?= cc
BASH_INC   ?= $(shell pkg-config --variable=headersdir bash 2>/dev/null || echo /usr/include/bash)
CARES_A    ?= $(firstword $(wildcard /usr/lib/*/libcares.a /usr/lib/libcares.a))

# The one version: the top entry of debian/changelog, `tcpcheck (2.0.0) unstable; ...`.  It reaches
# --version (-DTC_VERSION), the man page and the sh fallback as built ($(BUILD)/tcpcheck.1 and
# $(BUILD)/tcpcheck.sh, @VERSION@ replaced), the package and the release's file names.
VERSION    := $(shell sed -n '1{s/^tcpcheck [(]//;s/[)].*//;p;}' debian/changelog 2>/dev/null)
ifeq ($(VERSION),)
$(error no version: the first line of debian/changelog must read 'tcpcheck (VERSION) ...')
endif
VERSION_DEF := -DTC_VERSION='"$(VERSION)"'

WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT        ?= -O2 -g
CFLAGS_ALL := -std=c11 -D_POSIX_C_SOURCE=200809L $(VERSION_DEF) $(WARN) $(OPT) -fPIC -fvisibility=hidden
ifeq ($(SANITIZE),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN      := -fsanitize=address,undefined
endif

# One engine (engine/), three faces: the program (program/), the bash glue (builtin/) and the
# sh fallback (shell/, nothing to build).
ENGINE_SRC := $(wildcard engine/*.c)
ENGINE_OBJ := $(ENGINE_SRC:engine/%.c=$(BUILD)/obj/%.o)
ENGINE_HDR := $(wildcard engine/*.h)

.PHONY: all deps check unit tools clean demo install uninstall format-check
all: $(BUILD)/tcpcheck $(BUILD)/tcpcheck.so $(BUILD)/tcpcheck.sh $(BUILD)/tcpcheck.1

$(BUILD)/obj/%.o: engine/%.c $(ENGINE_HDR) | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) $(CFLAGS) -c $< -o $@

# The files that print the version are rebuilt when it changes.
$(BUILD)/obj/main.o: program/main.c $(ENGINE_HDR) debian/changelog | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) $(CFLAGS) -Iengine -c $< -o $@

$(BUILD)/obj:
	mkdir -p $@

$(BUILD)/tcpcheck: $(ENGINE_OBJ) $(BUILD)/obj/main.o
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $^ $(CARES_A)

# The bash builtin: bash's headers need gnu11 and warn about themselves (hence -isystem);
# c-ares is linked in statically with its symbols hidden (--exclude-libs), and nodelete keeps
# `enable -d` from unmapping live code.
BASH_CFLAGS := -std=gnu11 -DHAVE_CONFIG_H -DSHELL -isystem $(BASH_INC) -isystem $(BASH_INC)/include \
               -isystem $(BASH_INC)/builtins -isystem /usr/lib/bash

$(BUILD)/obj/bash_builtin.o: builtin/bash_builtin.c $(ENGINE_HDR) debian/changelog | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(filter-out -std=% -D_POSIX_C_SOURCE=%,$(CFLAGS_ALL)) $(BASH_CFLAGS) -Iengine $(CFLAGS) \
	    -c $< -o $@

$(BUILD)/tcpcheck.so: $(ENGINE_OBJ) $(BUILD)/obj/bash_builtin.o
	$(CC) $(LDSAN) $(LDFLAGS) -shared -Wl,-soname,tcpcheck -Wl,-z,relro -Wl,-z,now -Wl,-z,nodelete \
	    -Wl,--exclude-libs,ALL -o $@ $^ $(CARES_A)

# The man page and the sh fallback as installed: the version stamped in.
$(BUILD)/tcpcheck.sh: shell/tcpcheck.sh debian/changelog
	@mkdir -p $(@D)
	sed 's/@VERSION@/$(VERSION)/g' $< > $@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@

$(BUILD)/tcpcheck.1: doc/tcpcheck.1 debian/changelog
	@mkdir -p $(@D)
	sed 's/@VERSION@/$(VERSION)/g' $< > $@.tmp && mv $@.tmp $@

# C unit tests (tests/unit/test_*.c, linked with the engine) and test tools (tests/tools/*.c).
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
TOOL_BIN   := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))

$(BUILD)/unit/%: tests/unit/%.c $(ENGINE_OBJ) tests/unit/*.h tests/fuzz/*.h $(ENGINE_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CFLAGS) -Iengine -Itests/unit $(LDSAN) -o $@ $< $(ENGINE_OBJ) $(CARES_A)

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -o $@ $<

tools: $(TOOL_BIN)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do $$t; done

# --- what a Debian 12 machine needs: scripts/deps says what it writes and installs, and skips
# whatever is there already (`scripts/deps static`: only what `make static` needs) -----------
deps:
	scripts/deps

# --- tests -------------------------------------------------------------------------------
check: all tools unit static
	shellcheck -s sh shell/tcpcheck.sh
	TC_SANITIZE=$(SANITIZE) tests/run-bats

# One C style (.clang-format), checked on every C file of the tree.
format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')

# --- the main job against loopback ---------------------------------------------------------
demo: all tools
	@sh examples/demo.sh

# --- install -------------------------------------------------------------------------------
# Stripped binaries (debian/rules leaves the stripping to dh_strip: INSTALL_STRIP=); the builtin
# is a shared object, read by dlopen, not executed: 0644 (Debian policy 8.1).  The sh
# fallback goes to $(SHAREDIR), not $(BINDIR): it is a file to copy where nothing can be built,
# and a command named *.sh on PATH is what Debian's policy (and lintian) rule out.  Bash
# completion answers for `tcpcheck` and, through a link for bash-completion's on-demand loading
# (which looks a command's basename up), for `tcpcheck.sh`.
BINDIR      ?= $(PREFIX)/bin
LOADABLEDIR ?= $(PREFIX)/lib/bash
SHAREDIR    ?= $(PREFIX)/share/tcpcheck
MANDIR      ?= $(PREFIX)/share/man/man1
COMPDIR     ?= $(PREFIX)/share/bash-completion/completions
STRIP       ?= strip
INSTALL_STRIP ?= -s --strip-program=$(STRIP)
INSTALLED   := $(BINDIR)/tcpcheck $(LOADABLEDIR)/tcpcheck $(SHAREDIR)/tcpcheck.sh \
               $(MANDIR)/tcpcheck.1 $(COMPDIR)/tcpcheck $(COMPDIR)/tcpcheck.sh
INSTALL_DIRS = $(abspath $(addprefix $(DESTDIR),$(BINDIR) $(LOADABLEDIR) $(SHAREDIR) $(MANDIR) $(COMPDIR)))
# The directories `make install` had to create (and their parents), one absolute path a line:
# `make uninstall` removes those of them that are empty again, and no other.
CREATED_DIRS := $(BUILD)/install-created-dirs

install: all
	@mkdir -p $(BUILD) && { cat $(CREATED_DIRS) 2>/dev/null; for d in $(INSTALL_DIRS); do \
	    while [ ! -d "$$d" ]; do echo "$$d"; d=$$(dirname "$$d"); done; \
	done; } | sort -u > $(CREATED_DIRS).tmp && mv $(CREATED_DIRS).tmp $(CREATED_DIRS)
	install -d $(INSTALL_DIRS)
	install -m 0755 $(INSTALL_STRIP) $(BUILD)/tcpcheck $(DESTDIR)$(BINDIR)/tcpcheck
	install -m 0644 $(INSTALL_STRIP) $(BUILD)/tcpcheck.so $(DESTDIR)$(LOADABLEDIR)/tcpcheck
	install -m 0755 $(BUILD)/tcpcheck.sh $(DESTDIR)$(SHAREDIR)/tcpcheck.sh
	install -m 0644 $(BUILD)/tcpcheck.1 $(DESTDIR)$(MANDIR)/tcpcheck.1
	install -m 0644 doc/tcpcheck.bash-completion $(DESTDIR)$(COMPDIR)/tcpcheck
	ln -sf tcpcheck $(DESTDIR)$(COMPDIR)/tcpcheck.sh

# Each created directory is removed once empty, then its parent if that was created too.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@[ -f $(CREATED_DIRS) ] || exit 0; \
	for d in $(INSTALL_DIRS); do \
	    while grep -qxF "$$d" $(CREATED_DIRS) && rmdir "$$d" 2>/dev/null; do \
	        echo "rmdir $$d"; d=$$(dirname "$$d"); \
	    done; \
	done; \
	while read -r d; do [ ! -d "$$d" ] || echo "$$d"; done < $(CREATED_DIRS) > $(CREATED_DIRS).tmp; \
	mv $(CREATED_DIRS).tmp $(CREATED_DIRS)

# --- the Debian package (debian/): built in a copy of the tree, $(DEB_DIR)/tcpcheck-VERSION, so
# that dpkg-buildpackage leaves nothing in this one; the .deb, its -dbgsym and the .changes land
# in $(DEB_DIR).  It sees none of this make's variables (BUILD, SANITIZE, CFLAGS, ...): the
# package is built as Debian builds it.  lintian then fails the target on any error. ----------
DEB_DIR    := $(BUILD)/deb
DEB_ARCH    = $(shell dpkg --print-architecture)
DEB_FILE    = $(DEB_DIR)/tcpcheck_$(VERSION)_$(DEB_ARCH).deb
# The tree's files as a tar stream on stdout: in a git checkout, tracked and new ones as git sees
# them (deleted ones skipped); elsewhere (an unpacked tarball) all of it but build output.
TREE_TAR   := if git rev-parse --git-dir >/dev/null 2>&1; then \
                  git ls-files -z --cached --others --exclude-standard | \
                  tar --null --ignore-failed-read -T - -cf - 2>/dev/null; \
              else tar --exclude=./build --exclude=./dist -cf - .; fi

.PHONY: deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/tcpcheck-$(VERSION)
	{ $(TREE_TAR); } | tar -xf - -C $(DEB_DIR)/tcpcheck-$(VERSION)
	cd $(DEB_DIR)/tcpcheck-$(VERSION) && env -i PATH="$$PATH" HOME="$$HOME" \
	    dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -40 ../build.log; exit 1; }
	lintian -I $(DEB_DIR)/tcpcheck_$(VERSION)_$(DEB_ARCH).changes
	@printf 'deb: %s\n' $(DEB_FILE)

# --- release files: dist/ holds the source tarball (git archive of HEAD), the static programs
# for x86_64 and aarch64 (each at most 200 KB), the sh fallback, and SHA256SUMS. -------------
DIST        ?= dist
RELEASE_MAX := 204800
RELEASE_BIN := $(DIST)/tcpcheck-$(VERSION)-x86_64-linux-musl $(DIST)/tcpcheck-$(VERSION)-aarch64-linux-musl

.PHONY: release
release: $(BUILD)/tcpcheck-static $(BUILD)/tcpcheck-static-aarch64 $(BUILD)/tcpcheck.sh
	@[ "$$(uname -m)" = x86_64 ] || { echo "release: builds on x86_64 (musl-gcc is this machine's)" >&2; exit 1; }
	@git rev-parse --verify -q HEAD >/dev/null || { echo "release: needs a git checkout" >&2; exit 1; }
	@[ "$$(git show HEAD:debian/changelog | sed -n 1p)" = "$$(sed -n 1p debian/changelog)" ] || \
	    { echo "release: debian/changelog differs from HEAD's: commit it first" >&2; exit 1; }
	@[ -z "$$(git status --porcelain --untracked-files=no)" ] || \
	    echo "release: uncommitted changes: the tarball holds HEAD ($$(git rev-parse --short HEAD)), not them" >&2
	rm -rf $(DIST) && mkdir -p $(DIST)
	git archive --format=tar.gz --prefix=tcpcheck-$(VERSION)/ -o $(DIST)/tcpcheck-$(VERSION).tar.gz HEAD
	cp $(BUILD)/tcpcheck-static $(DIST)/tcpcheck-$(VERSION)-x86_64-linux-musl
	cp $(BUILD)/tcpcheck-static-aarch64 $(DIST)/tcpcheck-$(VERSION)-aarch64-linux-musl
	cp $(BUILD)/tcpcheck.sh $(DIST)/tcpcheck-$(VERSION).sh
	@for f in $(RELEASE_BIN); do size=$$(wc -c < $$f); \
	    echo "release: $$f: $$size bytes"; \
	    [ "$$size" -le $(RELEASE_MAX) ] || { echo "release: $$f is over $(RELEASE_MAX) bytes" >&2; exit 1; }; \
	done
	cd $(DIST) && sha256sum tcpcheck-* > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

clean:
	rm -rf $(BUILD)

# --- fuzzing: libFuzzer targets for every parser of outside input (tests/fuzz/) ----------------
# `make fuzz` runs each target for FUZZ_SECONDS, `make fuzz-short` for 10 s (CI).  The engine files
# the targets need are compiled into each one with the same sanitizers, so a bug in them is
# caught where it happens.  Working corpora and crash artifacts stay in $(BUILD)/fuzz; the seeds
# in tests/fuzz/corpus/<target>/ are committed, and so is every crash found (as a regression).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := args escape match json proxy
# Each target is linked with the engine files it exercises, and no others.
FUZZ_PARSER  := $(addprefix engine/,args.c options.c proxyurl.c targets.c times.c usage.c escape.c \
                buf.c states.c)
FUZZ_SRC_args   := $(FUZZ_PARSER)
FUZZ_SRC_escape := $(FUZZ_PARSER)
FUZZ_SRC_match  := engine/match.c
FUZZ_SRC_json   := $(addprefix engine/,report.c proxy.c escape.c buf.c states.c times.c)
FUZZ_SRC_proxy  := $(addprefix engine/,proxy.c buf.c)
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L $(VERSION_DEF) $(WARN) -g -O1 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iengine -Itests/fuzz
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
# A reply is at most 4096 bytes; a little more lets the targets see the cut.
FUZZ_RUNFLAGS = -max_total_time=$(FUZZ_SECONDS) -timeout=5 -max_len=4200 -print_final_stats=1 \
                -artifact_prefix=$(BUILD)/fuzz/artifacts/

.PHONY: fuzz fuzz-short fuzz-build
.SECONDEXPANSION:
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) $(ENGINE_HDR) tests/fuzz/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*)

fuzz-build: $(FUZZ_BIN)

# Every seed (crash regressions included) is run first, so a fixed bug that comes back fails.
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/artifacts; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	    $(BUILD)/fuzz/fuzz_$$t $(FUZZ_RUNFLAGS) $$dict \
	        $(BUILD)/fuzz/corpus/$$t tests/fuzz/corpus/$$t 2>$(BUILD)/fuzz/$$t.log || \
	        { tail -40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
	    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' $(BUILD)/fuzz/$$t.log; \
	done

fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=10

# --- benchmark: bench/run prints Markdown tables (a recorded run is in bench/RESULTS.md) ------
.PHONY: bench
bench: all tools $(BUILD)/bench/limit
	BUILD=$(BUILD) bench/run

$(BUILD)/bench/limit: bench/limit.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -o $@ $<

include static.mk

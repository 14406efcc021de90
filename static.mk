# SPDX-License-Identifier: GPL-3.0-or-later
# static.mk: fully static programs linked with musl, whose resolver is the same c-ares as the
# other forms, built for musl from Debian's c-ares source package.
#   make static          $(BUILD)/tcpcheck-static, for this machine (Debian's musl-tools: musl-gcc)
#   make static-aarch64  $(BUILD)/tcpcheck-static-aarch64, cross-built for aarch64 (Debian's
#                        gcc-aarch64-linux-gnu and musl-dev:arm64: aarch64-linux-musl-gcc)
# `make deps-static` installs what the first needs, `make deps` all of it.
#
# Include it from the Makefile after ENGINE_SRC and CFLAGS_ALL are defined (e.g. at the end).
# Everything it downloads or builds stays under $(BUILD)/ (never committed):
#   $(BUILD)/cares-src/            the source package (apt-get source) and its unpacked tree c-ares/
#   $(BUILD)/cares-musl/           c-ares built with musl-gcc: lib/libcares.a, include/ares*.h
#   $(BUILD)/cares-musl-aarch64/   the same for aarch64

BUILD          ?= build
MUSL_CC        ?= musl-gcc
MUSL_CC_AARCH64 ?= aarch64-linux-musl-gcc
CMAKE          ?= cmake
# The version of Debian's libc-ares-dev, so the static binary resolves with the very c-ares the
# other forms link; empty (no libc-ares-dev installed) means the archive's current version.
CARES_DEB_VERSION ?= $(shell dpkg-query -W -f='$${source:Version}' libc-ares-dev 2>/dev/null)

CARES_SRC_DIR  := $(BUILD)/cares-src
CARES_TREE     := $(CARES_SRC_DIR)/c-ares

# Size first.  No unwind tables: C without exceptions needs none (saves ~4 KB of .eh_frame).
STATIC_OPT     ?= -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                  -fno-unwind-tables
# The Makefile's flags (standard, feature macros, warnings, visibility) minus -fPIC, its
# optimisation/debug flags and the sanitizers, which have no musl runtime.
STATIC_CFLAGS   = $(filter-out -fPIC $(OPT) -fsanitize=% -fno-sanitize-recover=% \
                  -fno-omit-frame-pointer,$(CFLAGS_ALL)) $(STATIC_OPT)
# -z norelro: musl applies PT_GNU_RELRO only in its dynamic loader (its static start-up has no
# mprotect), so a static program's RELRO was never made read-only; without it, the linker need
# not pad the file up to the next 64 KB boundary before the data on aarch64 (45 KB of zeros).
STATIC_LDFLAGS ?= -static -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,norelro -s

.PHONY: static static-aarch64 deps-static cares-musl

static: $(BUILD)/tcpcheck-static
static-aarch64: $(BUILD)/tcpcheck-static-aarch64
cares-musl: $(BUILD)/cares-musl/lib/libcares.a

# static_program PROGRAM, CARES_DIR, COMPILER, EXTRA_CMAKE_FLAGS: the rules for one static
# program and the c-ares it links.
define static_program
$(1): $$(ENGINE_SRC) program/main.c $$(ENGINE_HDR) debian/changelog $(2)/lib/libcares.a
	@mkdir -p $$(@D)
	$(3) $$(STATIC_CFLAGS) -DCARES_STATICLIB -I$(2)/include -Iengine $$(STATIC_LDFLAGS) \
	    -o $$@ $$(ENGINE_SRC) program/main.c $(2)/lib/libcares.a
	@printf 'static: %s: %s bytes\n' $$@ "$$$$(wc -c < $$@)"

# c-ares for musl.  CMake rather than the autotools: the shipped configure predates Debian's
# patch to configure.ac and would rewrite -Os into -O2 (about 12 KB more in the end).
$(2)/lib/libcares.a: | $$(CARES_TREE)/CMakeLists.txt
	@command -v $(3) >/dev/null || { echo "static.mk: $(3) missing: make deps" >&2; exit 1; }
	@command -v $$(CMAKE) >/dev/null || { echo "static.mk: $$(CMAKE) missing: make deps-static" >&2; exit 1; }
	rm -rf $(2)
	$$(CMAKE) -S $$(CARES_TREE) -B $(2)/obj -G 'Unix Makefiles' $(4) \
	    -DCMAKE_C_COMPILER=$(3) -DCMAKE_BUILD_TYPE=MinSizeRel \
	    -DCMAKE_C_FLAGS_MINSIZEREL='$$(STATIC_OPT) -DNDEBUG' \
	    -DCARES_STATIC=ON -DCARES_SHARED=OFF -DCARES_STATIC_PIC=OFF \
	    -DCARES_BUILD_TOOLS=OFF -DCARES_BUILD_TESTS=OFF -DCARES_INSTALL=ON \
	    -DCMAKE_INSTALL_PREFIX=$$(abspath $(2)) -DCMAKE_INSTALL_LIBDIR=lib \
	    >$(2).cmake.log 2>&1 || { cat $(2).cmake.log >&2; exit 1; }
	$$(CMAKE) --build $(2)/obj --parallel $$$$(nproc 2>/dev/null || echo 2) >/dev/null
	$$(CMAKE) --install $(2)/obj >/dev/null
	test -f $(2)/include/ares.h && test -f $$@
endef

$(eval $(call static_program,$(BUILD)/tcpcheck-static,$(BUILD)/cares-musl,$(MUSL_CC),))
# Cross-built: CMake is told the target so that it runs none of its test programs here.
CROSS_AARCH64  := -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64
$(eval $(call static_program,$(BUILD)/tcpcheck-static-aarch64,$(BUILD)/cares-musl-aarch64,$(MUSL_CC_AARCH64),$(CROSS_AARCH64)))

# The source package, fetched once: present means skip.  Unpacked into a temporary directory
# first so an interrupted download or unpack never looks complete.
$(CARES_TREE)/CMakeLists.txt:
	@apt-cache showsrc c-ares 2>/dev/null | grep -q '^Package: c-ares' || { \
	    echo "static.mk: no deb-src entry for c-ares: run 'make deps-static' (as root)" >&2; exit 1; }
	rm -rf $(CARES_SRC_DIR)/dl $(CARES_SRC_DIR)/c-ares.tmp
	mkdir -p $(CARES_SRC_DIR)/dl
	cd $(CARES_SRC_DIR)/dl && apt-get source --download-only -qq \
	    c-ares$(if $(CARES_DEB_VERSION),=$(CARES_DEB_VERSION))
	dpkg-source --no-copy -x $(CARES_SRC_DIR)/dl/c-ares_*.dsc $(CARES_SRC_DIR)/c-ares.tmp >/dev/null
	rm -rf $(CARES_TREE) && mv $(CARES_SRC_DIR)/c-ares.tmp $(CARES_TREE)
	touch $@

# Debian 12: musl-gcc, dpkg-source, cmake and a deb-src entry, each only when missing.
deps-static:
	scripts/deps static

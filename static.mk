# SPDX-License-Identifier: GPL-3.0-or-later
# static.mk: `make static` builds $(BUILD)/tcpcheck-static, a fully static program linked with
# musl (Debian's musl-tools: musl-gcc) whose resolver is the same c-ares as the other forms, built
# for musl from Debian's c-ares source package.  `make deps-static` installs what that needs.
#
# Include it from the Makefile after ENGINE_SRC and CFLAGS_ALL are defined (e.g. at the end).
# Everything it downloads or builds stays under $(BUILD)/ (never committed):
#   $(BUILD)/cares-src/     the source package (apt-get source) and its unpacked tree c-ares/
#   $(BUILD)/cares-musl/    c-ares built with musl-gcc: lib/libcares.a, include/ares*.h

BUILD          ?= build
MUSL_CC        ?= musl-gcc
CMAKE          ?= cmake
# The version of Debian's libc-ares-dev, so the static binary resolves with the very c-ares the
# other forms link; empty (no libc-ares-dev installed) means the archive's current version.
CARES_DEB_VERSION ?= $(shell dpkg-query -W -f='$${source:Version}' libc-ares-dev 2>/dev/null)

CARES_SRC_DIR  := $(BUILD)/cares-src
CARES_TREE     := $(CARES_SRC_DIR)/c-ares
CARES_MUSL     := $(BUILD)/cares-musl
CARES_MUSL_A   := $(CARES_MUSL)/lib/libcares.a
CARES_MUSL_INC := $(CARES_MUSL)/include

# Size first.  No unwind tables: C without exceptions needs none (saves ~4 KB of .eh_frame).
STATIC_OPT     ?= -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                  -fno-unwind-tables
# The Makefile's flags (standard, feature macros, warnings, visibility) minus -fPIC, its
# optimisation/debug flags and the sanitizers, which have no musl runtime.
STATIC_CFLAGS   = $(filter-out -fPIC $(OPT) -fsanitize=% -fno-sanitize-recover=% \
                  -fno-omit-frame-pointer,$(CFLAGS_ALL)) $(STATIC_OPT)
STATIC_LDFLAGS ?= -static -Wl,--gc-sections -Wl,--build-id=none -s

.PHONY: static deps-static cares-musl

static: $(BUILD)/tcpcheck-static

cares-musl: $(CARES_MUSL_A)

$(BUILD)/tcpcheck-static: $(ENGINE_SRC) program/main.c $(ENGINE_HDR) debian/changelog $(CARES_MUSL_A)
	$(MUSL_CC) $(STATIC_CFLAGS) -DCARES_STATICLIB -I$(CARES_MUSL_INC) -Iengine $(STATIC_LDFLAGS) \
	    -o $@ $(ENGINE_SRC) program/main.c $(CARES_MUSL_A)
	@printf 'static: %s: %s bytes\n' $@ "$$(wc -c < $@)"

# c-ares for musl.  CMake rather than the autotools: the shipped configure predates Debian's
# patch to configure.ac and would rewrite -Os into -O2 (about 12 KB more in the end).
$(CARES_MUSL_A): | $(CARES_TREE)/CMakeLists.txt
	@command -v $(MUSL_CC) >/dev/null || { echo "static.mk: $(MUSL_CC) missing: make deps-static" >&2; exit 1; }
	@command -v $(CMAKE) >/dev/null || { echo "static.mk: $(CMAKE) missing: make deps-static" >&2; exit 1; }
	rm -rf $(CARES_MUSL)
	$(CMAKE) -S $(CARES_TREE) -B $(CARES_MUSL)/obj -G 'Unix Makefiles' \
	    -DCMAKE_C_COMPILER=$(MUSL_CC) -DCMAKE_BUILD_TYPE=MinSizeRel \
	    -DCMAKE_C_FLAGS_MINSIZEREL='$(STATIC_OPT) -DNDEBUG' \
	    -DCARES_STATIC=ON -DCARES_SHARED=OFF -DCARES_STATIC_PIC=OFF \
	    -DCARES_BUILD_TOOLS=OFF -DCARES_BUILD_TESTS=OFF -DCARES_INSTALL=ON \
	    -DCMAKE_INSTALL_PREFIX=$(abspath $(CARES_MUSL)) -DCMAKE_INSTALL_LIBDIR=lib \
	    >$(CARES_MUSL).cmake.log 2>&1 || { cat $(CARES_MUSL).cmake.log >&2; exit 1; }
	$(CMAKE) --build $(CARES_MUSL)/obj --parallel $$(nproc 2>/dev/null || echo 2) >/dev/null
	$(CMAKE) --install $(CARES_MUSL)/obj >/dev/null
	test -f $(CARES_MUSL_INC)/ares.h && test -f $@

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

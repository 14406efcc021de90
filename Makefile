# tcpcheck: one engine, three forms.  `make` builds the program and the bash builtin,
# `make check` runs every test, `make deps` installs what a Debian 12 machine lacks.

PREFIX     ?= /usr/local
BUILD      ?= build
CC         ?= cc
BASH_INC   ?= $(shell pkg-config --variable=headersdir bash 2>/dev/null || echo /usr/include/bash)
CARES_A    ?= $(firstword $(wildcard /usr/lib/*/libcares.a /usr/lib/libcares.a))

WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT        ?= -O2 -g
CFLAGS_ALL := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(OPT) -fPIC -fvisibility=hidden
ifeq ($(SANITIZE),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN      := -fsanitize=address,undefined
endif

# The engine: everything but the program's main and the bash glue.
ENGINE_SRC := $(filter-out builtin/main.c builtin/bash_builtin.c,$(wildcard builtin/*.c))
ENGINE_OBJ := $(ENGINE_SRC:builtin/%.c=$(BUILD)/obj/%.o)

.PHONY: all deps check unit tools clean demo
all: $(BUILD)/tcpcheck

$(BUILD)/obj/%.o: builtin/%.c builtin/*.h | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) $(CFLAGS) -c $< -o $@

$(BUILD)/obj:
	mkdir -p $@

$(BUILD)/tcpcheck: $(ENGINE_OBJ) $(BUILD)/obj/main.o
	$(CC) $(LDSAN) $(LDFLAGS) -o $@ $^ $(CARES_A)

# C unit tests (tests/unit/test_*.c, linked with the engine) and test tools (tests/tools/*.c).
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
TOOL_BIN   := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))

$(BUILD)/unit/%: tests/unit/%.c $(ENGINE_OBJ) tests/unit/*.h builtin/*.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CFLAGS) -Ibuiltin -Itests/unit $(LDSAN) -o $@ $< $(ENGINE_OBJ) $(CARES_A)

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -o $@ $<

tools: $(TOOL_BIN)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do $$t; done

clean:
	rm -rf $(BUILD)

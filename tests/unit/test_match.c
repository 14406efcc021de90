/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_match.c: -E behaves as bash's `[[ $reply == PATTERN ]]` (no extglob). */
#include "match.h"
#include "tcpcheck.h"
#include "unit.h"

#include <locale.h>
#include <string.h>

/* A reply given as a C literal of known length, so NUL bytes can sit inside it. */
#define MATCHES(pattern, literal)                                                                  \
    tc_reply_matches((pattern), (const unsigned char *)(literal), sizeof(literal) - 1)

static void test_banners(void)
{
    CHECK(MATCHES("SSH-2.0-*", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"));
    CHECK(MATCHES("SSH-2.0-*", "SSH-2.0-"));
    CHECK(!MATCHES("SSH-2.0-*", "HTTP/1.1 400 Bad Request\r\n"));
    CHECK(!MATCHES("SSH-2.0-*", "SSH-1.99-x"));
    /* The whole reply must match: no implicit anchoring at one end only. */
    CHECK(!MATCHES("SSH", "SSH-2.0-x"));
    CHECK(MATCHES("*OpenSSH*", "SSH-2.0-OpenSSH_9.2\r\n"));
    CHECK(MATCHES("220 *", "220 mail ESMTP\r\n"));
    CHECK(MATCHES("*\r\n", "+PONG\r\n"));
    CHECK(!MATCHES("*\r\n", "+PONG\r"));
}

static void test_nul_bytes_dropped(void)
{
    CHECK(MATCHES("SSH-2.0-*", "SSH\0-2.0-x"));
    CHECK(MATCHES("SSH-2.0-*", "\0\0SSH-2.0-x\0"));
    CHECK(MATCHES("ab", "a\0b"));
    CHECK(!MATCHES("a?b", "a\0b")); /* the NUL is gone, not a character */
    CHECK(MATCHES("", "\0\0\0"));
    CHECK(MATCHES("", ""));
    CHECK(MATCHES("*", ""));
    CHECK(!MATCHES("?*", "\0"));
    CHECK(tc_reply_matches("", NULL, 0));
}

static void test_star_crosses_slash_and_dot(void)
{
    CHECK(MATCHES("a*c", "a/b/c"));
    CHECK(MATCHES("HTTP/*", "HTTP/1.1 200 OK"));
    CHECK(MATCHES("*", ".hidden"));
    CHECK(MATCHES("?hidden", ".hidden"));
    CHECK(MATCHES("*.txt", "/etc/.x.txt"));
}

static void test_brackets(void)
{
    CHECK(MATCHES("[Hh]ello*", "hello world"));
    CHECK(MATCHES("[Hh]ello*", "Hello"));
    CHECK(!MATCHES("[Hh]ello*", "jello"));
    CHECK(MATCHES("[!a]*", "bcd"));
    CHECK(!MATCHES("[!a]*", "abc"));
    CHECK(MATCHES("[^a]*", "bcd"));
    CHECK(MATCHES("[a-c]", "b"));
    CHECK(!MATCHES("[a-c]", "d"));
    CHECK(MATCHES("[[:digit:]][[:digit:]][[:digit:]] *", "220 ready"));
    CHECK(!MATCHES("[[:digit:]]*", "x220"));
    CHECK(MATCHES("[]]", "]"));
    CHECK(MATCHES("[\r]*", "\rx"));
}

static void test_backslash_quotes(void)
{
    CHECK(MATCHES("\\*", "*"));
    CHECK(!MATCHES("\\*", "x"));
    CHECK(MATCHES("a\\?b", "a?b"));
    CHECK(!MATCHES("a\\?b", "axb"));
    CHECK(MATCHES("\\[x]", "[x]"));
    CHECK(!MATCHES("\\[x]", "x"));
    CHECK(MATCHES("a\\\\b", "a\\b"));
}

static void test_binary_and_full_reply(void)
{
    CHECK(MATCHES("*", "\xff\xfe\x01"));
    CHECK(MATCHES("*\x1b[0m*", "red\x1b[0mdone"));
    unsigned char full[TC_REPLY_MAX];
    memset(full, 'a', sizeof full);
    memcpy(full + sizeof full - 3, "END", 3);
    CHECK(tc_reply_matches("*END", full, sizeof full));
    CHECK(!tc_reply_matches("*ENDX", full, sizeof full));
    full[100] = '\0';
    CHECK(tc_reply_matches("a*END", full, sizeof full));
}

/* bash follows the locale: in UTF-8 `?` is one character, and a stray byte is one too. */
static void test_utf8_locale(void)
{
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
        CHECK(!"C.UTF-8 locale available");
        return;
    }
    CHECK(MATCHES("caf?", "caf\xc3\xa9"));
    CHECK(MATCHES("?", "\xff"));
    CHECK(MATCHES("*", "\xff\xc3"));
    CHECK(MATCHES("[\xc3\xa9"
                  "e]x",
                  "\xc3\xa9"
                  "x"));
    setlocale(LC_CTYPE, "C");
    CHECK(MATCHES("caf??", "caf\xc3\xa9"));
}

int main(void)
{
    test_banners();
    test_nul_bytes_dropped();
    test_star_crosses_slash_and_dot();
    test_brackets();
    test_backslash_quotes();
    test_binary_and_full_reply();
    test_utf8_locale();
    return DONE("test_match");
}

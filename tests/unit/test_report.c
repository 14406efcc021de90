/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_report.c: every line report.c promises, escaping of every byte, and JSON that always
 * parses (checked by a strict validator written here, independent of report.c). */
#include "escape.h"
#include "report.h"
#include "unit.h"
#include "../fuzz/json_check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static struct tc_options default_options(void)
{
    struct tc_options opt = {0};
    opt.family = AF_UNSPEC;
    opt.limit.usec = 5000000;
    strcpy(opt.limit.text, "5");
    return opt;
}

static struct tc_result result_for(const char *host, uint16_t port, enum tc_state state)
{
    struct tc_result r = {0};
    r.host = host;
    r.port = port;
    r.state = state;
    r.rtt = -1;
    r.attempts = 1;
    return r;
}

static void set_ipv4(struct tc_result *r, const char *text)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&r->address;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, text, &sin->sin_addr);
    r->has_address = true;
}

/* True when what a format function wrote into b is exactly want; frees b either way. */
static bool formatted_is(struct tc_buf *b, const char *want)
{
    bool same = !b->failed && b->data != NULL && strcmp(b->data, want) == 0;
    if (!same)
        fprintf(stderr, "  got:  %s\n  want: %s\n", b->data ? b->data : "(null)", want);
    tc_buf_free(b);
    return same;
}

static bool failure_is(const struct tc_options *opt, const struct tc_result *r, const char *want)
{
    struct tc_buf b = {0};
    tc_format_failure(&b, opt, r);
    return formatted_is(&b, want);
}

static bool success_is(const struct tc_options *opt, const struct tc_result *r, tc_usec waited,
                       const char *want)
{
    struct tc_buf b = {0};
    tc_format_success(&b, opt, r, waited);
    return formatted_is(&b, want);
}

static bool json_is(const struct tc_options *opt, const struct tc_result *r, const char *want)
{
    struct tc_buf b = {0};
    tc_format_json(&b, opt, r);
    return formatted_is(&b, want);
}

static bool escaped_is(const char *in, size_t n, const char *want)
{
    struct tc_buf b = {0};
    tc_escape_text(&b, (const unsigned char *)in, n);
    bool same = !b.failed && strcmp(b.data, want) == 0;
    tc_buf_free(&b);
    return same;
}

static bool json_string_is(const char *in, size_t n, const char *want)
{
    struct tc_buf b = {0};
    tc_json_string(&b, (const unsigned char *)in, n);
    bool same = !b.failed && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
    if (!same)
        fprintf(stderr, "  got:  %s\n  want: %s\n", b.data ? b.data : "(null)", want);
    tc_buf_free(&b);
    return same;
}

/* ---- a strict JSON validator (RFC 8259), written apart from report.c ---------------------- */

/* The whole text is exactly one JSON value of the expected kind (the fuzz targets' checker). */
static bool json_valid(const char *text, size_t len, char kind)
{
    return len > 0 && text[0] == kind && json_check(text, len, NULL, NULL);
}

static void test_validator_rejects(void)
{
    CHECK(json_valid("\"a\"", 3, '"'));
    CHECK(!json_valid("\"a", 2, '"'));
    CHECK(!json_valid("\"\x01\"", 3, '"'));
    CHECK(!json_valid("\"\x7f\"", 3, '"'));
    CHECK(!json_valid("\"\xc0\x80\"", 4, '"'));
    CHECK(!json_valid("\"\xed\xa0\x80\"", 5, '"'));
    CHECK(!json_valid("\"\\q\"", 4, '"'));
    CHECK(!json_valid("{\"a\":01}", 8, '{'));
    CHECK(!json_valid("{\"a\":1,}", 8, '{'));
    CHECK(json_valid("{\"a\":[1.5,null,\"x\"]}", 20, '{'));
}

/* ---- the buffer --------------------------------------------------------------------------- */

static void test_buf(void)
{
    struct tc_buf b = {0};
    tc_buf_append(&b, "", 0);
    CHECK(b.data != NULL && b.data[0] == '\0' && b.len == 0);
    for (int i = 0; i < 10000; i++)
        tc_buf_printf(&b, "%04d", i);
    CHECK(!b.failed && b.len == 40000 && strlen(b.data) == 40000);
    CHECK(memcmp(b.data + 4 * 1234, "1234", 4) == 0);
    tc_buf_reset(&b);
    CHECK(b.len == 0 && b.data != NULL && b.data[0] == '\0');
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tc_buf_printf(&b, "<%s>", big);
    CHECK(b.len == 301 && b.data[0] == '<' && b.data[300] == '>' && b.data[301] == '\0');
    tc_buf_puts(&b, "tail");
    CHECK(strcmp(b.data + 301, "tail") == 0);

    /* A size that cannot be had marks the buffer failed, and later appends change nothing. */
    size_t len_before = b.len;
    tc_buf_append(&b, "x", SIZE_MAX - 1);
    CHECK(b.failed && b.len == len_before);
    tc_buf_puts(&b, "more");
    tc_buf_printf(&b, "%d", 42);
    CHECK(b.failed && b.len == len_before && b.data[len_before] == '\0');
    tc_buf_reset(&b);
    CHECK(!b.failed);
    tc_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
}

/* ---- escaping for people ------------------------------------------------------------------ */

static void test_escape_every_byte(void)
{
    size_t total = 0;
    for (int c = 0; c < 256; c++) {
        char want[8];
        if (c == '\r' || c == '\n' || c == '\t' || c == 0)
            snprintf(want, sizeof want, "\\%c", c == '\r' ? 'r' : c == '\n' ? 'n' : c ? 't' : '0');
        else if (c >= 0x20 && c <= 0x7e)
            snprintf(want, sizeof want, "%c", c);
        else
            snprintf(want, sizeof want, "\\x%02x", c);
        char in = (char)c;
        CHECK(escaped_is(&in, 1, want));
        total += strlen(want);
    }
    unsigned char all[256];
    for (int c = 0; c < 256; c++)
        all[c] = (unsigned char)c;
    struct tc_buf b = {0};
    tc_escape_text(&b, all, sizeof all);
    CHECK(b.len == total && strlen(b.data) == total);
    for (size_t i = 0; i < b.len; i++)
        CHECK(b.data[i] >= 0x20 && b.data[i] <= 0x7e);
    tc_buf_free(&b);
}

static void test_escape_examples(void)
{
    CHECK(escaped_is("HTTP/1.1 400 Bad Request\r\n", 26, "HTTP/1.1 400 Bad Request\\r\\n"));
    CHECK(escaped_is("\x1b[2J", 4, "\\x1b[2J"));
    CHECK(escaped_is("a\0b", 3, "a\\0b"));
    CHECK(escaped_is("\x7f\x80\x9b\xff", 4, "\\x7f\\x80\\x9b\\xff"));
    CHECK(escaped_is("caf\xc3\xa9", 5, "caf\\xc3\\xa9"));
    CHECK(escaped_is("", 0, ""));
}

/* ---- JSON strings ------------------------------------------------------------------------- */

static void test_json_every_single_byte(void)
{
    for (int c = 0; c < 256; c++) {
        char want[16];
        const char *named = c == '"'    ? "\\\""
                            : c == '\\' ? "\\\\"
                            : c == '\b' ? "\\b"
                            : c == '\f' ? "\\f"
                            : c == '\n' ? "\\n"
                            : c == '\r' ? "\\r"
                            : c == '\t' ? "\\t"
                                        : NULL;
        if (named != NULL)
            snprintf(want, sizeof want, "\"%s\"", named);
        else if (c < 0x20 || c == 0x7f)
            snprintf(want, sizeof want, "\"\\u%04x\"", c);
        else if (c < 0x80)
            snprintf(want, sizeof want, "\"%c\"", c);
        else
            snprintf(want, sizeof want, "\"\xef\xbf\xbd\""); /* a lone byte >= 0x80: invalid */
        char in = (char)c;
        CHECK(json_string_is(&in, 1, want));
    }
}

static void test_json_utf8(void)
{
    /* Well-formed sequences are kept, including the edges of each range. */
    CHECK(json_string_is("caf\xc3\xa9", 5, "\"caf\xc3\xa9\""));
    CHECK(json_string_is("\xe2\x82\xac", 3, "\"\xe2\x82\xac\""));
    CHECK(json_string_is("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""));
    CHECK(json_string_is("\xc2\xa0", 2, "\"\xc2\xa0\""));
    CHECK(json_string_is("\xe0\xa0\x80", 3, "\"\xe0\xa0\x80\""));
    CHECK(json_string_is("\xed\x9f\xbf", 3, "\"\xed\x9f\xbf\""));
    CHECK(json_string_is("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\""));
    /* C1 controls are escaped like C0 ones. */
    CHECK(json_string_is("\xc2\x85\xc2\x9b", 4, "\"\\u0085\\u009b\""));
#define FFFD "\xef\xbf\xbd"
    /* Overlong forms: every byte replaced. */
    CHECK(json_string_is("\xc0\x80", 2, "\"" FFFD FFFD "\""));
    CHECK(json_string_is("\xc1\xbf", 2, "\"" FFFD FFFD "\""));
    CHECK(json_string_is("\xe0\x80\x80", 3, "\"" FFFD FFFD FFFD "\""));
    CHECK(json_string_is("\xf0\x80\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\""));
    /* Surrogates, beyond U+10FFFF, 5-byte leads. */
    CHECK(json_string_is("\xed\xa0\x80", 3, "\"" FFFD FFFD FFFD "\""));
    CHECK(json_string_is("\xed\xbf\xbf", 3, "\"" FFFD FFFD FFFD "\""));
    CHECK(json_string_is("\xf4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\""));
    CHECK(json_string_is("\xf8\x88\x80\x80\x80", 5, "\"" FFFD FFFD FFFD FFFD FFFD "\""));
    /* Truncated sequences, at the end and before an ASCII byte. */
    CHECK(json_string_is("\xe2\x82", 2, "\"" FFFD FFFD "\""));
    CHECK(json_string_is("\xe2\x82"
                         "A",
                         3, "\"" FFFD FFFD "A\""));
    CHECK(json_string_is("\xf0\x9f\x98", 3, "\"" FFFD FFFD FFFD "\""));
    CHECK(json_string_is("a\xc3", 2, "\"a" FFFD "\""));
    /* A stray continuation byte next to a good character. */
    CHECK(json_string_is("\x80\xc3\xa9", 3, "\"" FFFD "\xc3\xa9\""));
#undef FFFD
    CHECK(json_string_is("a\"b\\c/", 6, "\"a\\\"b\\\\c/\""));
    CHECK(json_string_is("\0", 1, "\"\\u0000\""));
    CHECK(json_string_is("", 0, "\"\""));
}

/* A deterministic generator (xorshift64*), so a failure can be replayed. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Random bytes biased towards the troublesome ones: controls, quotes, lead and continuation
 * bytes, and now and then a whole well-formed character. */
static size_t random_bytes(uint64_t *rng, unsigned char *buf, size_t cap)
{
    static const unsigned char tricky[] = {0,    '"',  '\\', '\n', 0x7f, 0x80, 0xbf, 0xc0,
                                           0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
    static const char *whole[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                  "\xc2\x85", "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf"};
    size_t len = (size_t)(rng_next(rng) % (cap + 1)), n = 0;
    while (n < len) {
        uint64_t pick = rng_next(rng);
        if (pick % 4 == 0) {
            const char *w = whole[(pick >> 8) % (sizeof whole / sizeof whole[0])];
            size_t wl = strlen(w);
            if (n + wl > len)
                break;
            memcpy(buf + n, w, wl);
            n += wl;
        } else if (pick % 4 == 1) {
            buf[n++] = tricky[(pick >> 8) % sizeof tricky];
        } else {
            buf[n++] = (unsigned char)(pick >> 8);
        }
    }
    return n;
}

static bool has_raw_control(const struct tc_buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

static void test_json_string_random(void)
{
    uint64_t rng = 20240601;
    int invalid = 0, raw = 0;
    struct tc_buf b = {0};
    for (int i = 0; i < 20000; i++) {
        unsigned char in[96];
        size_t n = random_bytes(&rng, in, sizeof in);
        tc_buf_reset(&b);
        tc_json_string(&b, in, n);
        invalid += b.failed || !json_valid(b.data, b.len, '"');
        raw += has_raw_control(&b);
    }
    tc_buf_free(&b);
    CHECK(invalid == 0);
    CHECK(raw == 0);
}

/* Decodes a JSON string produced from well-formed UTF-8 back to bytes (\u escapes < 0x100). */
static size_t json_decode(const char *s, size_t len, unsigned char *out)
{
    size_t n = 0;
    for (size_t i = 1; i + 1 < len; i++) {
        if (s[i] != '\\') {
            out[n++] = (unsigned char)s[i];
            continue;
        }
        char e = s[++i];
        if (e == 'u') {
            unsigned v =
                (unsigned)strtoul((char[]){s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0}, NULL, 16);
            if (v >= 0x80) { /* a C1 control: back to its two UTF-8 bytes */
                out[n++] = 0xc2;
                out[n++] = (unsigned char)v;
            } else {
                out[n++] = (unsigned char)v;
            }
            i += 4;
        } else {
            const char *from = "bfnrt\"\\", *to = "\b\f\n\r\t\"\\";
            out[n++] = (unsigned char)to[strchr(from, e) - from];
        }
    }
    return n;
}

static size_t utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Well-formed UTF-8 must survive unchanged: encode random code points, quote, decode. */
static void test_json_roundtrip_random(void)
{
    uint64_t rng = 7;
    int differ = 0;
    struct tc_buf b = {0};
    for (int i = 0; i < 20000; i++) {
        unsigned char in[64 * 4], back[64 * 4 * 6];
        size_t n = 0, count = rng_next(&rng) % 64;
        for (size_t k = 0; k < count; k++) {
            uint64_t r = rng_next(&rng);
            uint32_t cp = (uint32_t)(r % 2 ? r % 0x100 : r % 0x110000);
            if (cp >= 0xd800 && cp <= 0xdfff)
                cp = 0xfffd;
            n += utf8_encode(cp, in + n);
        }
        tc_buf_reset(&b);
        tc_json_string(&b, in, n);
        differ += b.failed || !json_valid(b.data, b.len, '"') ||
                  json_decode(b.data, b.len, back) != n || memcmp(in, back, n) != 0;
    }
    tc_buf_free(&b);
    CHECK(differ == 0);
}

/* ---- failure lines ------------------------------------------------------------------------ */

static void test_failure_connect(void)
{
    struct tc_options opt = default_options();
    struct tc_result r = result_for("db", 5432, TC_REFUSED);
    r.sys_errno = ECONNREFUSED;
    CHECK(failure_is(&opt, &r, "connect to db port 5432 (tcp) failed: Connection refused"));
    r.state = TC_UNREACHABLE;
    r.sys_errno = EHOSTUNREACH;
    CHECK(failure_is(&opt, &r, "connect to db port 5432 (tcp) failed: No route to host"));
    r.sys_errno = ENETUNREACH;
    CHECK(failure_is(&opt, &r, "connect to db port 5432 (tcp) failed: Network is unreachable"));
    r.state = TC_TIMEOUT;
    r.sys_errno = 0;
    CHECK(failure_is(&opt, &r, "connect to db port 5432 (tcp) timed out after 5 s"));
    strcpy(opt.limit.text, "0.25");
    CHECK(failure_is(&opt, &r, "connect to db port 5432 (tcp) timed out after 0.25 s"));
    r.host = "::1";
    r.port = 22;
    CHECK(failure_is(&opt, &r, "connect to ::1 port 22 (tcp) timed out after 0.25 s"));
}

static void test_failure_error(void)
{
    struct tc_options opt = default_options();
    struct tc_result r = result_for("db", 5432, TC_ERROR);
    r.sys_errno = EADDRNOTAVAIL;
    r.error_context = "bind 10.0.0.1";
    CHECK(failure_is(&opt, &r,
                     "connect to db port 5432 (tcp) failed: bind 10.0.0.1: Cannot assign "
                     "requested address"));
    r.error_context = NULL;
    r.sys_errno = EMFILE;
    CHECK(failure_is(&opt, &r, "connect to db port 5432 (tcp) failed: Too many open files"));
}

static void test_failure_unresolved(void)
{
    struct tc_options opt = default_options();
    struct tc_result r = result_for("no-such-host", 80, TC_UNRESOLVED);
    r.resolve_failure = TC_RESOLVE_NONAME;
    CHECK(failure_is(&opt, &r, "no-such-host: Name or service not known"));
    r.host = "db";
    r.resolve_failure = TC_RESOLVE_NOADDRESS;
    CHECK(failure_is(&opt, &r, "db: No address associated with hostname"));
    opt.family = AF_INET;
    CHECK(failure_is(&opt, &r, "db: no IPv4 address"));
    opt.family = AF_INET6;
    CHECK(failure_is(&opt, &r, "db: no IPv6 address"));
    r.resolve_failure = TC_RESOLVE_TIMEOUT;
    CHECK(failure_is(&opt, &r, "db: name resolution timed out after 5 s"));
    r.resolve_failure = TC_RESOLVE_OTHER;
    r.resolve_text = "Server failure\x1b]0;x\a";
    CHECK(failure_is(&opt, &r, "db: name resolution failed: Server failure\\x1b]0;x\\x07"));
    r.resolve_failure = TC_RESOLVE_REFUSED;
    CHECK(failure_is(&opt, &r, "db: Temporary failure in name resolution"));
    opt.family = AF_UNSPEC; /* -s of a family: the name has no address of that one */
    opt.has_source = true;
    opt.source.ss_family = AF_INET6;
    r.resolve_failure = TC_RESOLVE_NOADDRESS;
    CHECK(failure_is(&opt, &r, "db: no IPv6 address"));
}

/* Targets the run stopped for before they had an answer (tcpcheck(1), WAIT MODE). */
static void test_failure_stopped(void)
{
    struct tc_options opt = default_options();
    opt.wait_mode = true;
    strcpy(opt.wait.text, "1");
    struct tc_result r = result_for("db", 5432, TC_TIMEOUT);
    r.stopped = TC_STOP_WAIT_ENDED;
    r.attempts = 0;
    CHECK(failure_is(&opt, &r, "db port 5432: not attempted: the wait ended after 1 s"));
    strcpy(opt.wait.text, "500ms"); /* a unit stays as written, without " s" */
    CHECK(failure_is(&opt, &r, "db port 5432: not attempted: the wait ended after 500ms"));
    r.stopped = TC_STOP_QUORUM;
    CHECK(failure_is(&opt, &r, "db port 5432: not attempted: the quorum was met first"));
    r.attempts = 1;
    CHECK(failure_is(&opt, &r, "db port 5432: first attempt cut short: the quorum was met"));
    r.stopped = TC_STOP_NONE;
    r.deadline_text = "500ms";
    CHECK(failure_is(&opt, &r, "connect to db port 5432 (tcp) timed out after 500ms"));
}

static void test_failure_mismatch(void)
{
    struct tc_options opt = default_options();
    opt.expect = "SSH-2.0-*";
    struct tc_result r = result_for("db", 22, TC_MISMATCH);
    r.mismatch = TC_MISMATCH_CLOSED;
    r.reply = (const unsigned char *)"HTTP/1.1 400 Bad Request\r\n";
    r.reply_len = 26;
    CHECK(failure_is(&opt, &r,
                     "db port 22: reply did not match 'SSH-2.0-*': closed by peer: "
                     "\"HTTP/1.1 400 Bad Request\\r\\n\""));
    r.mismatch = TC_MISMATCH_RESET;
    r.reply = (const unsigned char *)"a\0\x1b[31m\xff";
    r.reply_len = 8;
    CHECK(failure_is(&opt, &r,
                     "db port 22: reply did not match 'SSH-2.0-*': reset by peer: "
                     "\"a\\0\\x1b[31m\\xff\""));
    r.mismatch = TC_MISMATCH_DEADLINE;
    r.reply = NULL;
    r.reply_len = 0;
    CHECK(failure_is(&opt, &r,
                     "db port 22: reply did not match 'SSH-2.0-*': no reply before the "
                     "deadline"));
    r.reply = (const unsigned char *)"SSH-1.99-x\r\n";
    r.reply_len = 12;
    CHECK(failure_is(&opt, &r,
                     "db port 22: reply did not match 'SSH-2.0-*': no matching reply before the "
                     "deadline: \"SSH-1.99-x\\r\\n\""));
    r.mismatch = TC_MISMATCH_SEND_DEADLINE;
    r.send_failed = true;
    r.reply_len = 0;
    CHECK(failure_is(&opt, &r, "db port 22: could not send before the deadline"));
    r.mismatch = TC_MISMATCH_RESET;
    CHECK(failure_is(&opt, &r, "db port 22: could not send: reset by peer"));
    r.send_failed = false;
    r.mismatch = TC_MISMATCH_FULL;
    r.reply = (const unsigned char *)"xyz";
    r.reply_len = 3;
    opt.expect = "*\r\n\x1b";
    CHECK(failure_is(&opt, &r,
                     "db port 22: reply did not match '*\\r\\n\\x1b': no match in the first "
                     "4096 bytes: \"xyz\""));
    opt.expect = NULL; /* -S alone: nothing was to be read */
    r.mismatch = TC_MISMATCH_RESET;
    CHECK(failure_is(&opt, &r, "db port 22: could not send: reset by peer"));
}

static void test_failure_hostile_host(void)
{
    struct tc_options opt = default_options();
    struct tc_result r = result_for("evil\x1b[2J\n", 80, TC_REFUSED);
    r.sys_errno = ECONNREFUSED;
    CHECK(failure_is(&opt, &r,
                     "connect to evil\\x1b[2J\\n port 80 (tcp) failed: Connection refused"));
    r.state = TC_OPEN;
    CHECK(failure_is(&opt, &r, ""));
}

/* ---- success lines ------------------------------------------------------------------------ */

/* The services database decides the name; without netbase nc prints `*` too. */
static const char *service_or_star(uint16_t port)
{
    const struct servent *se = getservbyport((int)htons(port), "tcp");
    return se != NULL ? se->s_name : "*";
}

static void test_success(void)
{
    struct tc_options opt = default_options();
    opt.verbose = 1;
    struct tc_result r = result_for("db", 22, TC_OPEN);
    char want[256];
    snprintf(want, sizeof want, "Connection to db 22 port [tcp/%s] succeeded!",
             service_or_star(22));
    CHECK(strcmp(service_or_star(22), "ssh") == 0); /* Debian ships netbase */
    CHECK(success_is(&opt, &r, -1, want));
    r.port = 1;
    CHECK(strcmp(service_or_star(1), "tcpmux") == 0);
    CHECK(success_is(&opt, &r, -1, "Connection to db 1 port [tcp/tcpmux] succeeded!"));
    r.port = 65001;
    CHECK(getservbyport((int)htons(65001), "tcp") == NULL);
    CHECK(success_is(&opt, &r, -1, "Connection to db 65001 port [tcp/*] succeeded!"));
    CHECK(
        success_is(&opt, &r, 3240000, "Connection to db 65001 port [tcp/*] succeeded after 3.2 s"));
    CHECK(
        success_is(&opt, &r, 3250000, "Connection to db 65001 port [tcp/*] succeeded after 3.3 s"));
    CHECK(success_is(&opt, &r, 0, "Connection to db 65001 port [tcp/*] succeeded after 0.0 s"));
    CHECK(success_is(&opt, &r, 61000000,
                     "Connection to db 65001 port [tcp/*] succeeded after 61.0 s"));
}

static void test_success_very_verbose(void)
{
    struct tc_options opt = default_options();
    opt.verbose = 2;
    struct tc_result r = result_for("db", 5432, TC_OPEN);
    set_ipv4(&r, "10.0.0.5");
    r.rtt = 412;
    CHECK(success_is(&opt, &r, -1,
                     "Connection to db (10.0.0.5) 5432 port [tcp/postgresql] succeeded! (0.412 "
                     "ms)"));
    r.rtt = 12345678;
    CHECK(success_is(&opt, &r, 3200000,
                     "Connection to db (10.0.0.5) 5432 port [tcp/postgresql] succeeded after 3.2 "
                     "s (12345.678 ms)"));
    opt.verbose = 1;
    CHECK(success_is(&opt, &r, -1, "Connection to db 5432 port [tcp/postgresql] succeeded!"));
}

/* -C (tcpcheck(1), EXPECT CLOSED): an open target fails in its own words, a refused one passes
 * in nc's; the state word stays the truth in JSON. */
static void test_expect_closed(void)
{
    struct tc_options opt = default_options();
    opt.expect_closed = true;
    struct tc_result r = result_for("db", 65001, TC_OPEN);
    CHECK(failure_is(&opt, &r, "")); /* open without the reason: nothing to say */
    r.mismatch = TC_MISMATCH_EXPECT_CLOSED;
    CHECK(failure_is(&opt, &r,
                     "connect to db port 65001 (tcp) succeeded, but -C expected it closed"));
    set_ipv4(&r, "10.0.0.5");
    r.rtt = 412;
    CHECK(json_is(&opt, &r,
                  "{\"host\":\"db\",\"port\":65001,\"state\":\"open\",\"address\":\"10.0.0.5\","
                  "\"rtt_ms\":0.412,\"attempts\":1,\"elapsed_ms\":0.000,\"error\":\"connect to db "
                  "port 65001 (tcp) succeeded, but -C expected it closed\"}"));
    r = result_for("db", 65001, TC_REFUSED);
    opt.verbose = 1;
    CHECK(success_is(&opt, &r, -1, "Connection to db 65001 port [tcp/*] refused, as -C expected"));
    CHECK(success_is(&opt, &r, 2400000,
                     "Connection to db 65001 port [tcp/*] refused after 2.4 s, as -C expected"));
    opt.verbose = 2;
    set_ipv4(&r, "10.0.0.5");
    CHECK(success_is(&opt, &r, -1,
                     "Connection to db (10.0.0.5) 65001 port [tcp/*] refused, as -C expected"));
}

/* ---- ping mode ---------------------------------------------------------------------------- */

static bool probe_is(const struct tc_options *opt, const struct tc_result *r, uint64_t seq,
                     const char *want)
{
    struct tc_buf b = {0};
    tc_format_probe(&b, opt, r, seq);
    return formatted_is(&b, want);
}

static bool summary_is(const struct tc_result *r, const struct tc_ping_summary *sum,
                       const char *want)
{
    struct tc_buf b = {0};
    tc_format_ping_summary(&b, r, sum);
    return formatted_is(&b, want);
}

/* tcpcheck(1), PING MODE: a line per probe in each state. */
static void test_ping_probe_lines(void)
{
    struct tc_options opt = default_options();
    struct tc_result r = result_for("db", 5432, TC_OPEN);
    set_ipv4(&r, "10.0.0.5");
    r.rtt = 412;
    CHECK(probe_is(&opt, &r, 3, "Connected to db (10.0.0.5) port 5432: seq=3 time=0.412 ms"));
    r.host = "10.0.0.5";
    r.host_numeric = true;
    CHECK(probe_is(&opt, &r, 18446744073709551615u,
                   "Connected to 10.0.0.5 port 5432: seq=18446744073709551615 time=0.412 ms"));
    r = result_for("db", 5432, TC_REFUSED);
    set_ipv4(&r, "10.0.0.5");
    r.sys_errno = ECONNREFUSED;
    CHECK(probe_is(&opt, &r, 4, "db port 5432: seq=4 refused (Connection refused)"));
    opt.verbose = 1;
    CHECK(probe_is(&opt, &r, 4, "db (10.0.0.5) port 5432: seq=4 refused (Connection refused)"));
    opt.verbose = 0;
    r = result_for("db", 5432, TC_TIMEOUT);
    strcpy(opt.limit.text, "250ms");
    CHECK(probe_is(&opt, &r, 5, "db port 5432: seq=5 timeout (timed out after 250ms)"));
    r = result_for("db", 5432, TC_UNREACHABLE);
    r.sys_errno = EHOSTUNREACH;
    CHECK(probe_is(&opt, &r, 6, "db port 5432: seq=6 unreachable (No route to host)"));
    r = result_for("no\x1b", 5432, TC_UNRESOLVED);
    r.resolve_failure = TC_RESOLVE_NONAME;
    CHECK(probe_is(&opt, &r, 7, "no\\x1b port 5432: seq=7 unresolved (Name or service not known)"));
    r = result_for("db", 22, TC_MISMATCH);
    opt.expect = "SSH-*";
    r.mismatch = TC_MISMATCH_CLOSED;
    r.rtt = 301;
    r.reply = (const unsigned char *)"HTTP\r\n";
    r.reply_len = 6;
    CHECK(probe_is(&opt, &r, 8,
                   "db port 22: seq=8 mismatch time=0.301 ms (reply did not match 'SSH-*': "
                   "closed by peer: \"HTTP\\r\\n\")"));
    opt.expect = NULL;
    r = result_for("db", 5432, TC_ERROR);
    r.error_context = "socket";
    r.sys_errno = EMFILE;
    CHECK(probe_is(&opt, &r, 9, "db port 5432: seq=9 error (socket: Too many open files)"));
}

static void test_ping_summaries(void)
{
    struct tc_result r = result_for("db", 5432, TC_OPEN);
    struct tc_ping_summary sum = {.probes = 10,
                                  .open = 9,
                                  .rtt_min = 301,
                                  .rtt_avg = 412,
                                  .rtt_max = 980,
                                  .rtt_mdev = 121,
                                  .time = 9049999};
    CHECK(summary_is(&r, &sum,
                     "--- db port 5432 ---\n10 probes, 9 open, 10% failed, time 9.0 s\n"
                     "rtt min/avg/max/mdev = 0.301/0.412/0.980/0.121 ms\n"));
    struct tc_buf b = {0};
    tc_format_ping_summary_json(&b, &r, &sum);
    CHECK(!b.failed && json_valid(b.data, b.len, '{'));
    CHECK(formatted_is(&b, "{\"host\":\"db\",\"port\":5432,\"state\":\"open\",\"probes\":10,"
                           "\"open\":9,\"rtt_min_ms\":0.301,\"rtt_avg_ms\":0.412,"
                           "\"rtt_max_ms\":0.980,\"rtt_mdev_ms\":0.121,\"elapsed_ms\":9049.999,"
                           "\"summary\":true}"));
    sum = (struct tc_ping_summary){
        .probes = 3, .open = 1, .rtt_min = 5, .rtt_avg = 5, .rtt_max = 5, .time = 2000000};
    CHECK(summary_is(&r, &sum,
                     "--- db port 5432 ---\n3 probes, 1 open, 66.67% failed, time 2.0 s\n"
                     "rtt min/avg/max/mdev = 0.005/0.005/0.005/0.000 ms\n"));
    sum.open = 2;
    CHECK(summary_is(&r, &sum,
                     "--- db port 5432 ---\n3 probes, 2 open, 33.33% failed, time 2.0 s\n"
                     "rtt min/avg/max/mdev = 0.005/0.005/0.005/0.000 ms\n"));
    sum = (struct tc_ping_summary){.probes = 8, .open = 7, .time = 0};
    CHECK(summary_is(&r, &sum,
                     "--- db port 5432 ---\n8 probes, 7 open, 12.5% failed, time 0.0 s\n"
                     "rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms\n"));
    /* Never 0% or 100% unless it is. */
    sum = (struct tc_ping_summary){.probes = 30000, .open = 29999};
    CHECK(summary_is(&r, &sum,
                     "--- db port 5432 ---\n30000 probes, 29999 open, 0.01% failed, time 0.0 s\n"
                     "rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms\n"));
    sum.open = 1;
    CHECK(summary_is(&r, &sum,
                     "--- db port 5432 ---\n30000 probes, 1 open, 99.99% failed, time 0.0 s\n"
                     "rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000 ms\n"));
    r.state = TC_REFUSED;
    sum = (struct tc_ping_summary){.probes = 2, .time = 1000000};
    CHECK(
        summary_is(&r, &sum, "--- db port 5432 ---\n2 probes, 0 open, 100% failed, time 1.0 s\n"));
    b = (struct tc_buf){0};
    tc_format_ping_summary_json(&b, &r, &sum);
    CHECK(formatted_is(&b, "{\"host\":\"db\",\"port\":5432,\"state\":\"refused\",\"probes\":2,"
                           "\"open\":0,\"rtt_min_ms\":null,\"rtt_avg_ms\":null,"
                           "\"rtt_max_ms\":null,\"rtt_mdev_ms\":null,\"elapsed_ms\":1000.000,"
                           "\"summary\":true}"));
    sum = (struct tc_ping_summary){0};
    CHECK(summary_is(&r, &sum, "--- db port 5432 ---\n0 probes, 0 open, time 0.0 s\n"));
    b = (struct tc_buf){0};
    tc_format_ping_summary_json(&b, &r, &sum);
    CHECK(!b.failed && json_valid(b.data, b.len, '{') && strstr(b.data, "\"state\":null,"));
    tc_buf_free(&b);
}

static void test_ping_json_probe(void)
{
    struct tc_options opt = default_options();
    struct tc_result r = result_for("db", 5432, TC_REFUSED);
    r.sys_errno = ECONNREFUSED;
    r.attempts = 4;
    struct tc_buf b = {0};
    tc_format_probe_json(&b, &opt, &r, 4);
    CHECK(!b.failed && json_valid(b.data, b.len, '{'));
    CHECK(formatted_is(&b,
                       "{\"host\":\"db\",\"port\":5432,\"state\":\"refused\",\"address\":null,"
                       "\"rtt_ms\":null,\"attempts\":4,\"elapsed_ms\":0.000,\"error\":\"connect "
                       "to db port 5432 (tcp) failed: Connection refused\",\"seq\":4}"));
}

/* ---- addresses ---------------------------------------------------------------------------- */

static bool address_is(const struct sockaddr_storage *ss, size_t size, const char *want)
{
    char buf[128];
    memset(buf, '#', sizeof buf);
    tc_format_address(ss, buf, size);
    return strcmp(buf, want) == 0;
}

static void test_address(void)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
    CHECK(address_is(&ss, 128, "127.0.0.1"));
    CHECK(address_is(&ss, 5, "")); /* too small: nothing rather than a cut address */

    memset(&ss, 0, sizeof ss);
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::1", &sin6->sin6_addr);
    CHECK(address_is(&ss, 128, "::1"));
    inet_pton(AF_INET6, "fe80::1", &sin6->sin6_addr);
    sin6->sin6_scope_id = if_nametoindex("lo");
    CHECK(sin6->sin6_scope_id != 0);
    CHECK(address_is(&ss, 128, "fe80::1%lo"));
    sin6->sin6_scope_id = 4000000;
    CHECK(address_is(&ss, 128, "fe80::1%4000000"));

    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNIX;
    CHECK(address_is(&ss, 128, ""));
}

/* ---- JSON objects ------------------------------------------------------------------------- */

static void test_json_objects(void)
{
    struct tc_options opt = default_options();
    struct tc_result r = result_for("db", 5432, TC_OPEN);
    set_ipv4(&r, "10.0.0.5");
    r.rtt = 412;
    r.elapsed = 600;
    CHECK(json_is(&opt, &r,
                  "{\"host\":\"db\",\"port\":5432,\"state\":\"open\",\"address\":\"10.0.0.5\","
                  "\"rtt_ms\":0.412,\"attempts\":1,\"elapsed_ms\":0.600}"));

    r = result_for("no-such-host", 80, TC_UNRESOLVED);
    r.resolve_failure = TC_RESOLVE_NONAME;
    r.attempts = 3;
    r.elapsed = 2500123;
    CHECK(json_is(&opt, &r,
                  "{\"host\":\"no-such-host\",\"port\":80,\"state\":\"unresolved\",\"address\":"
                  "null,\"rtt_ms\":null,\"attempts\":3,\"elapsed_ms\":2500.123,\"error\":\"no-"
                  "such-host: Name or service not known\"}"));

    opt.expect = "SSH-2.0-*";
    r = result_for("::1", 22, TC_MISMATCH);
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&r.address;
    sin6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::1", &sin6->sin6_addr);
    r.has_address = true;
    r.rtt = 50;
    r.mismatch = TC_MISMATCH_CLOSED;
    r.reply = (const unsigned char *)"HTTP \"x\"\r\n\0\xc3\xa9\xff";
    r.reply_len = 14;
    CHECK(json_is(&opt, &r,
                  "{\"host\":\"::1\",\"port\":22,\"state\":\"mismatch\",\"address\":\"::1\","
                  "\"rtt_ms\":0.050,\"attempts\":1,\"elapsed_ms\":0.000,\"error\":\"::1 port 22: "
                  "reply did not match 'SSH-2.0-*': closed by peer: \\\"HTTP \\\"x\\\"\\\\r"
                  "\\\\n\\\\0\\\\xc3\\\\xa9\\\\xff\\\"\",\"reply\":\"HTTP \\\"x\\\"\\r\\n\\u0000"
                  "\xc3\xa9\xef\xbf\xbd\"}"));

    /* -E on a target that never connected still carries an (empty) reply. */
    r = result_for("db", 1, TC_REFUSED);
    r.sys_errno = ECONNREFUSED;
    set_ipv4(&r, "127.0.0.1");
    CHECK(json_is(&opt, &r,
                  "{\"host\":\"db\",\"port\":1,\"state\":\"refused\",\"address\":\"127.0.0.1\","
                  "\"rtt_ms\":null,\"attempts\":1,\"elapsed_ms\":0.000,\"error\":\"connect to db "
                  "port 1 (tcp) failed: Connection refused\",\"reply\":\"\"}"));
}

/* ---- unix: targets (tcpcheck(1), TARGETS, "Unix sockets") ------------------------------------ */

static struct tc_result unix_result(const char *path, enum tc_state state)
{
    struct tc_result r = result_for(path, 0, state);
    r.unix_socket = true;
    return r;
}

static void test_unix_lines(void)
{
    struct tc_options opt = default_options();
    struct tc_result r = unix_result("/run/app.sock", TC_REFUSED);
    r.sys_errno = ENOENT;
    CHECK(failure_is(&opt, &r, "connect to /run/app.sock failed: No such file or directory"));
    r = unix_result("/run/app.sock", TC_ERROR);
    r.sys_errno = EACCES;
    CHECK(failure_is(&opt, &r, "connect to /run/app.sock failed: Permission denied"));
    r = unix_result("/run/app.sock", TC_TIMEOUT);
    r.sys_errno = EAGAIN;
    CHECK(failure_is(&opt, &r,
                     "connect to /run/app.sock timed out after 5 s: the listener's backlog "
                     "stayed full"));
    r = unix_result("/run/app.sock", TC_MISMATCH);
    opt.expect = "pong*";
    r.mismatch = TC_MISMATCH_CLOSED;
    r.reply = (const unsigned char *)"x\r";
    r.reply_len = 2;
    CHECK(failure_is(&opt, &r,
                     "/run/app.sock: reply did not match 'pong*': closed by peer: \"x\\r\""));
    opt.expect = NULL;
    r = unix_result("/run/\x1b[2J.sock", TC_REFUSED);
    r.sys_errno = ECONNREFUSED;
    CHECK(failure_is(&opt, &r, "connect to /run/\\x1b[2J.sock failed: Connection refused"));

    r = unix_result("/run/app.sock", TC_OPEN);
    r.rtt = 15;
    opt.verbose = 1;
    CHECK(success_is(&opt, &r, -1, "Connection to /run/app.sock succeeded!"));
    CHECK(success_is(&opt, &r, 3200000, "Connection to /run/app.sock succeeded after 3.2 s"));
    opt.verbose = 2;
    CHECK(success_is(&opt, &r, -1, "Connection to /run/app.sock succeeded! (0.015 ms)"));
    CHECK(json_is(&opt, &r,
                  "{\"host\":\"/run/app.sock\",\"port\":null,\"state\":\"open\",\"address\":"
                  "\"/run/app.sock\",\"rtt_ms\":0.015,\"attempts\":1,\"elapsed_ms\":0.000}"));
}

/* ---- -x (tcpcheck(1), PROXIES) -------------------------------------------------------------- */

static struct tc_proxy test_proxy(enum tc_proxy_kind kind)
{
    struct tc_proxy px = {.kind = kind, .port = 1080, .user = "alice", .password = "s3cret"};
    px.host.name = "10.0.0.1";
    px.host.numeric = true;
    return px;
}

static struct tc_result proxy_result(enum tc_state state, enum tc_proxy_reason why, int code)
{
    struct tc_result r = result_for("db", 22, state);
    r.proxy = why;
    r.proxy_code = code;
    return r;
}

static void with_text(struct tc_result *r, const char *text)
{
    r->proxy_text = (const unsigned char *)text;
    r->proxy_text_len = strlen(text);
}

static void test_proxy_lines(void)
{
    struct tc_options opt = default_options();
    struct tc_proxy socks = test_proxy(TC_PROXY_SOCKS5), http = test_proxy(TC_PROXY_HTTP);
    opt.proxy = &socks;

    /* What the proxy said of the target. */
    struct tc_result r = proxy_result(TC_REFUSED, TC_PROXY_ANSWER, 5);
    CHECK(failure_is(&opt, &r,
                     "connect to db port 22 (tcp) via proxy 10.0.0.1 port 1080 failed: SOCKS5 "
                     "reply 5: Connection refused"));
    r = proxy_result(TC_UNREACHABLE, TC_PROXY_ANSWER, 2);
    CHECK(failure_is(&opt, &r,
                     "connect to db port 22 (tcp) via proxy 10.0.0.1 port 1080 failed: SOCKS5 "
                     "reply 2: connection not allowed by ruleset"));
    r = proxy_result(TC_TIMEOUT, TC_PROXY_ANSWER, 6);
    CHECK(failure_is(&opt, &r,
                     "connect to db port 22 (tcp) via proxy 10.0.0.1 port 1080 failed: SOCKS5 "
                     "reply 6: TTL expired"));
    r = proxy_result(TC_TIMEOUT, TC_PROXY_ANSWER, -1);
    CHECK(failure_is(
        &opt, &r, "connect to db port 22 (tcp) via proxy 10.0.0.1 port 1080 timed out after 5 s"));

    /* The proxy itself failed. */
    r = proxy_result(TC_ERROR, TC_PROXY_CONNECT, -1);
    r.sys_errno = ECONNREFUSED;
    CHECK(failure_is(&opt, &r, "proxy 10.0.0.1 port 1080: connect failed: Connection refused"));
    r.error_context = "cannot bind 10.9.9.9";
    r.sys_errno = EADDRNOTAVAIL;
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: connect failed: cannot bind 10.9.9.9: Cannot "
                     "assign requested address"));
    r = proxy_result(TC_ERROR, TC_PROXY_CONNECT, -1);
    CHECK(failure_is(&opt, &r, "proxy 10.0.0.1 port 1080: connect timed out after 5 s"));
    r = proxy_result(TC_ERROR, TC_PROXY_UNRESOLVED, -1);
    r.resolve_failure = TC_RESOLVE_NONAME;
    CHECK(failure_is(&opt, &r, "proxy 10.0.0.1 port 1080: Name or service not known"));
    r = proxy_result(TC_ERROR, TC_PROXY_SILENT, -1);
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: timed out after 5 s waiting for its reply"));
    r = proxy_result(TC_ERROR, TC_PROXY_CLOSED, -1);
    CHECK(failure_is(&opt, &r, "proxy 10.0.0.1 port 1080: closed the connection before replying"));
    r.sys_errno = ECONNRESET;
    CHECK(failure_is(&opt, &r, "proxy 10.0.0.1 port 1080: reset the connection before replying"));
    r = proxy_result(TC_ERROR, TC_PROXY_GARBAGE, -1);
    with_text(&r, "SSH-2.0\r\n\x1b");
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: not a SOCKS5 reply: \"SSH-2.0\\r\\n\\x1b\""));
    r = proxy_result(TC_ERROR, TC_PROXY_NO_METHOD, 0xff);
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: accepts none of the methods offered (no "
                     "authentication, username/password)"));
    r = proxy_result(TC_ERROR, TC_PROXY_AUTH, 1);
    CHECK(
        failure_is(&opt, &r, "proxy 10.0.0.1 port 1080: authentication failed: RFC 1929 status 1"));
    r = proxy_result(TC_ERROR, TC_PROXY_FAILURE, 1);
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: SOCKS5 reply 1: general SOCKS server failure"));
    r = proxy_result(TC_ERROR, TC_PROXY_FAILURE, 42);
    CHECK(failure_is(&opt, &r, "proxy 10.0.0.1 port 1080: SOCKS5 reply 42: unknown reply"));

    opt.proxy = &http;
    r = proxy_result(TC_UNREACHABLE, TC_PROXY_ANSWER, 500);
    with_text(&r, "HTTP/1.1 500 Unable to connect");
    CHECK(failure_is(&opt, &r,
                     "connect to db port 22 (tcp) via proxy 10.0.0.1 port 1080 failed: \"HTTP/1.1 "
                     "500 Unable to connect\""));
    r = proxy_result(TC_ERROR, TC_PROXY_AUTH, 407);
    with_text(&r, "HTTP/1.0 407 Proxy Authentication Required");
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: authentication failed: \"HTTP/1.0 407 Proxy "
                     "Authentication Required\""));
    r = proxy_result(TC_ERROR, TC_PROXY_FAILURE, 405);
    with_text(&r, "HTTP/1.1 405 Method Not Allowed");
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: CONNECT failed: \"HTTP/1.1 405 Method Not "
                     "Allowed\""));
    r = proxy_result(TC_ERROR, TC_PROXY_GARBAGE, 200);
    with_text(&r, "HTTP/1.1 200 OK");
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: reply header longer than 4096 bytes: \"HTTP/1.1 "
                     "200 OK\""));
    http.user = NULL;
    r = proxy_result(TC_ERROR, TC_PROXY_AUTH, 407);
    with_text(&r, "HTTP/1.0 407 Proxy Authentication Required");
    CHECK(failure_is(&opt, &r,
                     "proxy 10.0.0.1 port 1080: authentication required: \"HTTP/1.0 407 Proxy "
                     "Authentication Required\""));

    /* -v as nc's words; -vv names the proxy; JSON: the target's address, or null. */
    opt.proxy = &socks;
    r = result_for("db", 22, TC_OPEN);
    r.rtt = 1234;
    opt.verbose = 1;
    CHECK(success_is(&opt, &r, -1, "Connection to db 22 port [tcp/ssh] succeeded!"));
    opt.verbose = 2;
    set_ipv4(&r, "10.0.0.5");
    CHECK(success_is(&opt, &r, -1,
                     "Connection to db (10.0.0.5) 22 port [tcp/ssh] succeeded! (1.234 ms) via "
                     "proxy 10.0.0.1 port 1080"));
    CHECK(json_is(&opt, &r,
                  "{\"host\":\"db\",\"port\":22,\"state\":\"open\",\"address\":\"10.0.0.5\","
                  "\"rtt_ms\":1.234,\"attempts\":1,\"elapsed_ms\":0.000}"));
    r = proxy_result(TC_ERROR, TC_PROXY_CONNECT, -1);
    r.sys_errno = ECONNREFUSED;
    CHECK(json_is(&opt, &r,
                  "{\"host\":\"db\",\"port\":22,\"state\":\"error\",\"address\":null,"
                  "\"rtt_ms\":null,\"attempts\":1,\"elapsed_ms\":0.000,\"error\":\"proxy "
                  "10.0.0.1 port 1080: connect failed: Connection refused\"}"));
}

/* Does the buffer hold these bytes anywhere? */
static bool holds(const struct tc_buf *b, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, s, n) == 0)
            return true;
    return false;
}

static const enum tc_state all_states[] = {TC_OPEN,        TC_REFUSED,  TC_TIMEOUT, TC_UNRESOLVED,
                                           TC_UNREACHABLE, TC_MISMATCH, TC_ERROR};

/* Random hostile hosts, replies, patterns and resolver words: every object must parse. */
static void test_json_objects_random(void)
{
    uint64_t rng = 42;
    int invalid = 0, raw = 0, leaked = 0;
    struct tc_buf b = {0};
    for (int i = 0; i < 20000; i++) {
        unsigned char host[40], reply[200], pattern[24], words[24];
        host[random_bytes(&rng, host, sizeof host - 1)] = '\0'; /* cut at its first NUL */
        size_t plen = random_bytes(&rng, pattern, sizeof pattern - 1);
        pattern[plen] = '\0';
        size_t wlen = random_bytes(&rng, words, sizeof words - 1);
        words[wlen] = '\0';
        struct tc_options opt = default_options();
        opt.family = (int[]){AF_UNSPEC, AF_INET, AF_INET6}[rng_next(&rng) % 3];
        opt.expect = rng_next(&rng) % 2 ? (char *)pattern : NULL;
        struct tc_result r =
            result_for((char *)host, (uint16_t)rng_next(&rng), all_states[rng_next(&rng) % 7]);
        r.sys_errno = (int)(rng_next(&rng) % 140);
        r.error_context = rng_next(&rng) % 2 ? (char *)words : NULL;
        r.resolve_failure = (enum tc_resolve_failure)(rng_next(&rng) % 5);
        r.resolve_text = (char *)words;
        r.mismatch = (enum tc_mismatch_reason)(rng_next(&rng) % 5);
        r.reply = reply;
        r.reply_len = random_bytes(&rng, reply, sizeof reply);
        r.rtt = (tc_usec)(rng_next(&rng) % 3000000) - 1000000;
        r.elapsed = (tc_usec)(rng_next(&rng) % 100000000);
        if (rng_next(&rng) % 2)
            set_ipv4(&r, "127.0.0.2");
        struct tc_proxy px = test_proxy((enum tc_proxy_kind)(rng_next(&rng) % 3));
        px.host.name = (char *)words;
        if (rng_next(&rng) % 2) { /* through a proxy that says what it likes */
            opt.proxy = &px;
            r.proxy = (enum tc_proxy_reason)(rng_next(&rng) % 10);
            r.proxy_code = (int)(rng_next(&rng) % 600) - 1;
            r.proxy_text = reply;
            r.proxy_text_len = r.reply_len;
        } else if (rng_next(&rng) % 4 == 0) {
            r.unix_socket = true;
        }
        tc_buf_reset(&b);
        tc_format_json(&b, &opt, &r);
        invalid += b.failed || !json_valid(b.data, b.len, '{');
        raw += has_raw_control(&b);
        leaked += !b.failed && (holds(&b, "s3cret") || holds(&b, "alice"));
    }
    tc_buf_free(&b);
    CHECK(invalid == 0);
    CHECK(raw == 0);
    CHECK(leaked == 0); /* credentials are never printed */
}

int main(void)
{
    test_validator_rejects();
    test_buf();
    test_escape_every_byte();
    test_escape_examples();
    test_json_every_single_byte();
    test_json_utf8();
    test_json_string_random();
    test_json_roundtrip_random();
    test_failure_connect();
    test_failure_error();
    test_failure_unresolved();
    test_failure_mismatch();
    test_failure_stopped();
    test_failure_hostile_host();
    test_success();
    test_success_very_verbose();
    test_expect_closed();
    test_ping_probe_lines();
    test_ping_summaries();
    test_ping_json_probe();
    test_address();
    test_json_objects();
    test_json_objects_random();
    test_unix_lines();
    test_proxy_lines();
    return DONE("test_report");
}

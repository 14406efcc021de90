/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_json: the -j object and the stderr failure line for hostile names and replies.
 *
 * A tc_result is built from the input: an 8-byte header picks the state, reasons, flags and
 * numbers; then four length-prefixed fields are the host, resolve_text, the -E pattern and the
 * -w text; the rest is the reply, NULs and all.  The man page (OUTPUT) promises valid JSON
 * "whatever the host name or the peer sends" and escaped stderr, so:
 *   - the object passes json_check.h (strict RFC 8259, no raw control byte or DEL);
 *   - it has the seven keys, "error" exactly when not open, "reply" exactly with -E;
 *   - host and reply decode to valid UTF-8, identical to the input when that was valid UTF-8
 *     without NUL (the reply's NULs are kept as \u0000, so it decodes to the same bytes);
 *   - "error" decodes to exactly the failure line, and that line is printable ASCII only.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "escape.h"
#include "report.h"
#include "tcpcheck.h"

static const char *const keys[] = {"host",   "port",     "state",     "address",
                                   "rtt_ms", "attempts", "elapsed_ms"};

struct seen {
    unsigned mask; /* bit i: keys[i] */
    bool error, reply, other;
    unsigned char *host, *reply_text, *error_text;
    size_t host_len, reply_len, error_len;
};

static unsigned char *dup_bytes(const unsigned char *s, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);
    if (d == NULL)
        abort();
    memcpy(d, s, n);
    return d;
}

static void on_member(void *ctx, const char *key, const unsigned char *str, size_t len)
{
    struct seen *s = ctx;
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(key, keys[i]) == 0) {
            s->mask |= 1u << i;
            if (i == 0 && str != NULL) {
                s->host = dup_bytes(str, len);
                s->host_len = len;
            }
            return;
        }
    if (strcmp(key, "error") == 0 && str != NULL) {
        s->error = true;
        s->error_text = dup_bytes(str, len);
        s->error_len = len;
    } else if (strcmp(key, "reply") == 0 && str != NULL) {
        s->reply = true;
        s->reply_text = dup_bytes(str, len);
        s->reply_len = len;
    } else {
        s->other = true;
    }
}

/* Takes a field of at most 255 bytes: one length byte, then the bytes. */
static size_t take_field(const uint8_t **data, size_t *size, const uint8_t **field)
{
    if (*size == 0) {
        *field = *data;
        return 0;
    }
    size_t n = **data;
    (*data)++;
    (*size)--;
    if (n > *size)
        n = *size;
    *field = *data;
    *data += n;
    *size -= n;
    return n;
}

static char *cstring(const uint8_t *p, size_t n)
{
    /* A host or text from argv or the resolver is a C string: it ends at a NUL. */
    return strndup((const char *)p, n);
}

static void fail(const char *why, const struct tc_buf *b)
{
    fprintf(stderr, "%s: %.*s\n", why, (int)(b->len < 2000 ? b->len : 2000), b->data);
    abort();
}

/* libFuzzer calls it; declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t h[8] = {0};
    memcpy(h, data, size < sizeof h ? size : sizeof h);
    data += size < sizeof h ? size : sizeof h;
    size -= size < sizeof h ? size : sizeof h;

    const uint8_t *f[4];
    size_t fl[4];
    for (int i = 0; i < 4; i++)
        fl[i] = take_field(&data, &size, &f[i]);
    char *host = cstring(f[0], fl[0]);
    char *resolve_text = cstring(f[1], fl[1]);
    char *pattern = cstring(f[2], fl[2]);
    char *limit_text = cstring(f[3], fl[3]);
    unsigned char *reply = dup_bytes(data, size > TC_REPLY_MAX ? TC_REPLY_MAX : size);
    size_t reply_len = size > TC_REPLY_MAX ? TC_REPLY_MAX : size;

    struct tc_options opt = {0};
    opt.family = h[3] % 3 == 0 ? AF_UNSPEC : h[3] % 3 == 1 ? AF_INET : AF_INET6;
    opt.expect = (h[4] & 1) ? pattern : NULL;
    snprintf(opt.limit.text, sizeof opt.limit.text, "%s", limit_text);

    struct tc_result r = {0};
    r.host = host;
    r.port = (uint16_t)(h[5] << 8 | h[6]);
    r.state = (enum tc_state)(h[0] % 7);
    r.mismatch = (enum tc_mismatch_reason)(h[1] % 5);
    r.resolve_failure = (enum tc_resolve_failure)(h[2] % 5);
    r.resolve_text = (h[4] & 2) ? resolve_text : NULL;
    r.error_context = (h[4] & 4) ? resolve_text : NULL;
    r.sys_errno = (int)(int8_t)h[7];
    r.has_address = h[4] & 8;
    if (h[4] & 16) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&r.address;
        a->sin6_family = AF_INET6;
        memcpy(&a->sin6_addr, f[0], fl[0] < 16 ? fl[0] : 16);
        a->sin6_scope_id = h[7] & 3; /* small: if_indextoname of lo, or of nothing */
    } else if (h[4] & 32) {
        struct sockaddr_in *a = (struct sockaddr_in *)&r.address;
        a->sin_family = AF_INET;
        memcpy(&a->sin_addr, f[1], fl[1] < 4 ? fl[1] : 4);
    } else {
        r.address.ss_family = h[7]; /* an unknown family must give null, not garbage */
    }
    /* Extremes of the numbers: negative, zero, huge. */
    static const tc_usec times[] = {-1, 0, 1, 999, 1000, 412, INT64_MAX, INT64_MIN};
    r.rtt = times[h[5] % 8];
    r.elapsed = times[h[6] % 8];
    r.attempts = h[7] & 0x80 ? UINT32_MAX : h[7];
    r.reply = (h[4] & 64) ? NULL : reply;
    r.reply_len = (h[4] & 64) ? 0 : reply_len;

    struct tc_buf json = {0}, line = {0};
    tc_format_json(&json, &opt, &r);
    tc_format_failure(&line, &opt, &r);
    if (json.failed || line.failed || json.data == NULL || line.data == NULL)
        abort();

    struct seen s = {0};
    if (!json_check(json.data, json.len, on_member, &s))
        fail("invalid JSON", &json);
    if (s.mask != (1u << 7) - 1 || s.other || s.error != (r.state != TC_OPEN) ||
        s.reply != (opt.expect != NULL))
        fail("wrong set of keys", &json);

    if (s.host == NULL || !jc_valid_utf8(s.host, s.host_len))
        fail("host is not valid UTF-8", &json);
    size_t hl = strlen(host);
    if (jc_valid_utf8((const unsigned char *)host, hl) &&
        (s.host_len != hl || memcmp(s.host, host, hl) != 0))
        fail("valid UTF-8 host changed", &json);
    if (s.reply) {
        if (!jc_valid_utf8(s.reply_text, s.reply_len))
            fail("reply is not valid UTF-8", &json);
        if (jc_valid_utf8(r.reply, r.reply_len) &&
            (s.reply_len != r.reply_len ||
             (r.reply_len && memcmp(s.reply_text, r.reply, r.reply_len) != 0)))
            fail("valid UTF-8 reply changed", &json);
    }
    for (size_t i = 0; i < line.len; i++)
        if ((unsigned char)line.data[i] < 0x20 || (unsigned char)line.data[i] > 0x7e)
            fail("failure line has a byte outside printable ASCII", &line);
    if ((r.state == TC_OPEN) != (line.len == 0))
        fail("failure line empty exactly when open: no", &line);
    if (s.error && (s.error_len != line.len || memcmp(s.error_text, line.data, line.len) != 0))
        fail("\"error\" differs from the stderr line", &json);

    tc_buf_free(&json);
    tc_buf_free(&line);
    free(s.host);
    free(s.reply_text);
    free(s.error_text);
    free(host);
    free(resolve_text);
    free(pattern);
    free(limit_text);
    free(reply);
    return 0;
}

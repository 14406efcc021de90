/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json_check.h: a small strict JSON checker for the fuzz targets (RFC 8259, one value).
 *
 * The -j contract is "valid JSON always, whatever the host name or the peer sends", so the
 * oracle must be stricter than jq, not looser: it rejects raw control bytes and DEL, invalid
 * UTF-8 (overlong forms, surrogates, > U+10FFFF), lone \u surrogates, leading zeros, duplicate
 * keys and trailing bytes.  For objects it also hands each top-level member to a callback with
 * its string value decoded, so a target can compare what went in with what came out.
 */
#ifndef TC_JSON_CHECK_H
#define TC_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct jc {
    const unsigned char *p, *end;
    int depth;
    /* Decoded string of the last string parsed (UTF-8), when `want` is set. */
    unsigned char *str;
    size_t str_len, str_cap;
};

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7), or 0.  Written apart from
 * report.c on purpose: the checker must not share the code it checks. */
static inline size_t jc_utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static inline bool jc_valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = jc_utf8_len(s + i, n - i);
        if (l == 0)
            return false;
        i += l;
    }
    return true;
}

static inline void jc_put(struct jc *j, const unsigned char *b, size_t n)
{
    if (j->str_len + n > j->str_cap) {
        size_t cap = (j->str_cap + n) * 2 + 16;
        unsigned char *g = realloc(j->str, cap);
        if (!g)
            abort();
        j->str = g;
        j->str_cap = cap;
    }
    memcpy(j->str + j->str_len, b, n);
    j->str_len += n;
}

static inline void jc_put_cp(struct jc *j, uint32_t cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    jc_put(j, b, n);
}

static inline void jc_ws(struct jc *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static inline bool jc_hex4(struct jc *j, uint32_t *out)
{
    if (j->end - j->p < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = *j->p++;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* A string at *p == '"'; its decoded text is left in j->str. */
static inline bool jc_string(struct jc *j)
{
    j->str_len = 0;
    j->p++;
    while (j->p < j->end) {
        unsigned char c = *j->p;
        if (c == '"') {
            j->p++;
            return true;
        }
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c != '\\') {
            size_t l = jc_utf8_len(j->p, (size_t)(j->end - j->p));
            if (l == 0)
                return false;
            jc_put(j, j->p, l);
            j->p += l;
            continue;
        }
        if (++j->p >= j->end)
            return false;
        c = *j->p++;
        static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
        const char *s = c ? strchr(simple, c) : NULL;
        if (s && (s - simple) % 2 == 0) {
            jc_put(j, (const unsigned char *)s + 1, 1);
            continue;
        }
        if (c != 'u')
            return false;
        uint32_t cp, lo;
        if (!jc_hex4(j, &cp) || (cp >= 0xdc00 && cp <= 0xdfff))
            return false;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
                return false;
            j->p += 2;
            if (!jc_hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff)
                return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        jc_put_cp(j, cp);
    }
    return false;
}

static inline bool jc_digits(struct jc *j)
{
    const unsigned char *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

static inline bool jc_number(struct jc *j)
{
    if (*j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!jc_digits(j))
        return false;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!jc_digits(j))
            return false;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!jc_digits(j))
            return false;
    }
    return true;
}

static inline bool jc_word(struct jc *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return false;
    j->p += n;
    return true;
}

/* Called for each top-level member: key (decoded), and the value's decoded string or NULL when
 * the value is not a string. */
typedef void (*jc_member_fn)(void *ctx, const char *key, const unsigned char *str, size_t len);

static inline bool jc_value(struct jc *j, jc_member_fn fn, void *ctx);

static inline bool jc_object(struct jc *j, jc_member_fn fn, void *ctx)
{
    char keys[32][32];
    size_t nkeys = 0;
    j->p++;
    jc_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return true;
    }
    for (;;) {
        jc_ws(j);
        if (j->p >= j->end || *j->p != '"' || !jc_string(j))
            return false;
        char key[32] = "";
        if (j->str_len < sizeof key)
            memcpy(key, j->str, j->str_len);
        for (size_t i = 0; i < nkeys; i++)
            if (strcmp(keys[i], key) == 0 && key[0] != '\0')
                return false; /* a duplicate key: jq keeps one, consumers disagree */
        if (nkeys < 32)
            strcpy(keys[nkeys++], key);
        jc_ws(j);
        if (j->p >= j->end || *j->p++ != ':')
            return false;
        jc_ws(j);
        bool is_string = j->p < j->end && *j->p == '"';
        if (!jc_value(j, NULL, NULL))
            return false;
        if (fn != NULL)
            fn(ctx, key, is_string ? j->str : NULL, is_string ? j->str_len : 0);
        jc_ws(j);
        if (j->p >= j->end)
            return false;
        if (*j->p == '}') {
            j->p++;
            return true;
        }
        if (*j->p++ != ',')
            return false;
    }
}

static inline bool jc_array(struct jc *j)
{
    j->p++;
    jc_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return true;
    }
    for (;;) {
        if (!jc_value(j, NULL, NULL))
            return false;
        jc_ws(j);
        if (j->p >= j->end)
            return false;
        if (*j->p == ']') {
            j->p++;
            return true;
        }
        if (*j->p++ != ',')
            return false;
    }
}

static inline bool jc_value(struct jc *j, jc_member_fn fn, void *ctx)
{
    jc_ws(j);
    if (j->p >= j->end || ++j->depth > 64)
        return false;
    bool ok;
    switch (*j->p) {
    case '{':
        ok = jc_object(j, fn, ctx);
        break;
    case '[':
        ok = jc_array(j);
        break;
    case '"':
        ok = jc_string(j);
        break;
    case 't':
        ok = jc_word(j, "true");
        break;
    case 'f':
        ok = jc_word(j, "false");
        break;
    case 'n':
        ok = jc_word(j, "null");
        break;
    default:
        ok = (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) && jc_number(j);
    }
    j->depth--;
    return ok;
}

/* True when s[0..n) is exactly one JSON value with optional surrounding whitespace and no raw
 * byte below 0x20 or DEL anywhere (not even as whitespace: -j prints one object per line). */
static inline bool json_check(const char *s, size_t n, jc_member_fn fn, void *ctx)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
            return false;
    struct jc j = {.p = (const unsigned char *)s, .end = (const unsigned char *)s + n};
    bool ok = jc_value(&j, fn, ctx);
    jc_ws(&j);
    ok = ok && j.p == j.end;
    free(j.str);
    return ok;
}

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* escape.c: the one escaper (escape.h): for people and for JSON. */
#include "escape.h"

#include <stdio.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

size_t tc_escape_byte(char out[TC_ESCAPED_BYTE_MAX], unsigned char c)
{
    char named = c == '\r' ? 'r' : c == '\n' ? 'n' : c == '\t' ? 't' : c == '\0' ? '0' : 0;
    if (named)
        return (size_t)snprintf(out, TC_ESCAPED_BYTE_MAX, "\\%c", named);
    if (c >= 0x20 && c <= 0x7e)
        return (size_t)snprintf(out, TC_ESCAPED_BYTE_MAX, "%c", c);
    return (size_t)snprintf(out, TC_ESCAPED_BYTE_MAX, "\\x%c%c", hex_digits[c >> 4],
                            hex_digits[c & 0xf]);
}

int tc_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void tc_escape_text(struct tc_buf *out, const unsigned char *s, size_t n)
{
    tc_buf_append(out, "", 0);
    for (size_t i = 0; i < n; i++) {
        char one[TC_ESCAPED_BYTE_MAX];
        tc_buf_append(out, one, tc_escape_byte(one, s[i]));
    }
}

void tc_escape_string(struct tc_buf *out, const char *s)
{
    tc_escape_text(out, (const unsigned char *)s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629 table 3-7: no overlong forms,
 * no surrogates, nothing above U+10FFFF, nothing truncated), or 0 if there is none. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
    unsigned char lead = s[0], lo = 0x80, hi = 0xbf;
    size_t len;
    if (lead >= 0xc2 && lead <= 0xdf) {
        len = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        len = 3;
        lo = lead == 0xe0 ? 0xa0 : lo; /* below: overlong */
        hi = lead == 0xed ? 0x9f : hi; /* above: surrogates */
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        len = 4;
        lo = lead == 0xf0 ? 0x90 : lo; /* below: overlong */
        hi = lead == 0xf4 ? 0x8f : hi; /* above: beyond U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

static void json_escape_code(struct tc_buf *out, unsigned code)
{
    char esc[6] = {'\\', 'u', '0', '0', hex_digits[(code >> 4) & 0xf], hex_digits[code & 0xf]};
    tc_buf_append(out, esc, sizeof esc);
}

static void json_ascii(struct tc_buf *out, unsigned char c)
{
    char named = c == '"'    ? '"'
                 : c == '\\' ? '\\'
                 : c == '\b' ? 'b'
                 : c == '\f' ? 'f'
                 : c == '\n' ? 'n'
                 : c == '\r' ? 'r'
                 : c == '\t' ? 't'
                             : 0;
    if (named != 0) {
        char esc[2] = {'\\', named};
        tc_buf_append(out, esc, sizeof esc);
    } else if (c < 0x20 || c == 0x7f) {
        json_escape_code(out, c);
    } else {
        tc_buf_append(out, &c, 1);
    }
}

void tc_json_string(struct tc_buf *out, const unsigned char *s, size_t n)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    tc_buf_append(out, "\"", 1);
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            json_ascii(out, s[i++]);
            continue;
        }
        size_t len = utf8_sequence_length(s + i, n - i);
        if (len == 0) {
            tc_buf_append(out, replacement, 3);
            i++;
        } else if (len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) {
            /* C1 controls (U+0080-U+009F) are control characters too: escaped, not raw. */
            json_escape_code(out, s[i + 1]);
            i += 2;
        } else {
            tc_buf_append(out, s + i, len);
            i += len;
        }
    }
    tc_buf_append(out, "\"", 1);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* usage.c: usage errors and the user's words quoted in them (tcpcheck(1), DECISIONS: "Bad
 * input": one line, status 2, nothing probed). */
#include "usage.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

bool tc_usage(struct tc_parse_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
    res->outcome = TC_PARSE_USAGE;
    return false;
}

const char *tc_help_hint(enum tc_form form)
{
    return form == TC_FORM_BUILTIN ? "try 'help tcpcheck' for more information"
                                   : "try 'tcpcheck --help' for more information";
}

static bool is_plain_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("_.,:/%@+=[]-", c));
}

static bool needs_quotes(const char *word)
{
    size_t n = strlen(word);
    if (n == 0 || word[n - 1] == ':') /* "db:: missing port" would read badly */
        return true;
    for (const char *p = word; *p; p++)
        if (!is_plain_char((unsigned char)*p))
            return true;
    return false;
}

/* One byte of a quoted word: the one escaper's text, except that the quote itself is
 * escaped.  A backslash stays as written: users read their own `-S 'a\q'` more easily than a
 * doubled one. */
static size_t show_byte(char out[TC_ESCAPED_BYTE_MAX], unsigned char c)
{
    if (c == '\'')
        return (size_t)snprintf(out, TC_ESCAPED_BYTE_MAX, "\\'");
    return tc_escape_byte(out, c);
}

const char *tc_show(struct tc_shown *s, const char *word)
{
    size_t limit = sizeof s->text - 5; /* room for "...'" and the NUL */
    if (!needs_quotes(word) && strlen(word) <= limit) {
        strcpy(s->text, word);
        return s->text;
    }
    size_t len = 1;
    bool cut = false;
    s->text[0] = '\'';
    for (const unsigned char *p = (const unsigned char *)word; *p && !cut; p++) {
        char one[TC_ESCAPED_BYTE_MAX];
        size_t n = show_byte(one, *p);
        cut = len + n > limit;
        if (!cut) {
            memcpy(s->text + len, one, n);
            len += n;
        }
    }
    snprintf(s->text + len, sizeof s->text - len, "%s'", cut ? "..." : "");
    return s->text;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_match: the -E matcher against arbitrary patterns and replies.
 *
 * The first line of the input is the pattern (up to a NUL: it comes from argv), the rest is the
 * reply with NULs, as a peer may send it.  The reply is the hostile part; the pattern is the
 * user's, but a slow pattern would still stall the poll loop past -w, so libFuzzer's -timeout
 * catches that too.  For patterns without brackets a reference matcher written here (the
 * classic two-pointer star algorithm, bytes in the C locale) must agree with the engine.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "tcpcheck.h"

/* `*`, `?`, backslash quoting and literal bytes; NULs already dropped from t. */
static bool reference_match(const char *p, const char *t)
{
    const char *star_p = NULL, *star_t = NULL;
    for (;;) {
        if (*p == '*') {
            while (*p == '*')
                p++;
            star_p = p;
            star_t = t;
            continue;
        }
        if (*t == '\0') {
            return *p == '\0';
        }
        bool quoted = *p == '\\' && p[1] != '\0';
        char want = quoted ? p[1] : *p;
        if (*p != '\0' && (quoted || *p != '?' ? want == *t : true)) {
            p += quoted ? 2 : 1;
            t++;
            continue;
        }
        if (star_p == NULL)
            return false;
        p = star_p;
        t = ++star_t;
    }
}

/* The reference covers only what needs no bracket or locale knowledge. */
static bool reference_applies(const char *p)
{
    for (size_t i = 0; p[i]; i++) {
        if (p[i] == '[' || (unsigned char)p[i] >= 0x80)
            return false;
        if (p[i] == '\\' && p[++i] == '\0')
            return false; /* a trailing lone backslash: fnmatch's own business */
    }
    return true;
}

/* libFuzzer calls it; declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - data) : size;
    const uint8_t *reply = nl ? nl + 1 : data + size;
    size_t rlen = size - (size_t)(reply - data);
    if (rlen > TC_REPLY_MAX)
        rlen = TC_REPLY_MAX; /* the engine never reads more */

    char *pattern = strndup((const char *)data, plen);
    /* The reply in a buffer of its own exact size, so ASan sees any read past it. */
    unsigned char *r = malloc(rlen ? rlen : 1);
    char *text = malloc(rlen + 1);
    if (pattern == NULL || r == NULL || text == NULL)
        abort();
    memcpy(r, reply, rlen);

    bool got = tc_reply_matches(pattern, r, rlen);

    size_t kept = 0;
    for (size_t i = 0; i < rlen; i++)
        if (r[i] != '\0')
            text[kept++] = (char)r[i];
    text[kept] = '\0';
    if (reference_applies(pattern) && reference_match(pattern, text) != got) {
        fprintf(stderr, "pattern '%s' on %zu bytes: engine %d, reference %d\n", pattern, kept, got,
                !got);
        abort();
    }
    /* `*` matches everything, NULs or not. */
    if (!tc_reply_matches("*", r, rlen))
        abort();
    free(pattern);
    free(r);
    free(text);
    return 0;
}

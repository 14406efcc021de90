/* SPDX-License-Identifier: GPL-3.0-or-later */
/* usage.h: the one line a usage error prints, and the user's words shown in it. */
#ifndef TC_USAGE_H
#define TC_USAGE_H

#include "tcpcheck.h"

/* Record a usage error in res (one line, no "tcpcheck: " prefix); always returns false so a
 * caller can `return tc_usage(...)`. */
bool tc_usage(struct tc_parse_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A user's word made fit for a one-line message: shown as is when it is plain, otherwise
 * single-quoted with control and non-ASCII bytes escaped; long words are shortened. */
struct tc_shown {
    char text[128];
};
const char *tc_show(struct tc_shown *s, const char *word);

#endif

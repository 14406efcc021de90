/* SPDX-License-Identifier: GPL-3.0-or-later */
/* usage.h: the one line a usage error prints, and the user's words shown in it. */
#ifndef TC_USAGE_H
#define TC_USAGE_H

#include "tcpcheck.h"

/* Record a usage error in res (one line, no "tcpcheck: " prefix); always returns false so a
 * caller can `return tc_usage(...)`. */
bool tc_usage(struct tc_parse_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The end of a usage line that is about the command line as a whole ("no target given"):
 * where the help is, as GNU tools say it. */
const char *tc_help_hint(enum tc_form form);

/* A user's word made fit for a one-line message: shown as is when it is plain, otherwise
 * single-quoted with control and non-ASCII bytes escaped; long words are shortened. */
struct tc_shown {
    char text[128];
};
const char *tc_show(struct tc_shown *s, const char *word);

#endif

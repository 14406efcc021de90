/* SPDX-License-Identifier: GPL-3.0-or-later */
/* match.h: the -E test, with the meaning of bash's `[[ $reply == PATTERN ]]`. */
#ifndef TC_MATCH_H
#define TC_MATCH_H

#include <stdbool.h>
#include <stddef.h>

/* True when the reply (len bytes, NULs allowed, at most TC_REPLY_MAX in practice) matches the
 * shell glob `pattern` once its NUL bytes are dropped, as bash drops them from a variable.
 * `*` matches `/` and a leading `.`; a backslash quotes the next character; no extglob.
 * False when memory runs out. */
bool tc_reply_matches(const char *pattern, const unsigned char *reply, size_t len);

#endif

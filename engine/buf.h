/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.h: a growable byte buffer, the one way the engine builds text.
 *
 * It is always NUL-terminated once anything was appended.  A failed allocation sets `failed`
 * and makes every later append a no-op, so a caller checks once, at the end of a line.
 */
#ifndef TC_BUF_H
#define TC_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct tc_buf {
    char *data;
    size_t len, cap;
    bool failed;
};

void tc_buf_free(struct tc_buf *b);
void tc_buf_reset(struct tc_buf *b); /* len = 0, keeps the memory */
void tc_buf_append(struct tc_buf *b, const void *p, size_t n);
void tc_buf_puts(struct tc_buf *b, const char *s);
void tc_buf_printf(struct tc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

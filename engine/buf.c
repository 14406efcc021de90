/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.c: the growable byte buffer (buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tc_buf_free(struct tc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

/* Clears `failed` too: the buffer is empty again, so the next line gets a fresh chance. */
void tc_buf_reset(struct tc_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Makes room for `extra` more bytes plus the terminating NUL; false (and `failed`) if not. */
static bool buf_reserve(struct tc_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra >= SIZE_MAX - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap != 0 ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = true;
        return false;
    }
    b->data = grown;
    b->cap = cap;
    return true;
}

/* Appending nothing still allocates, so a formatted (possibly empty) line is never NULL. */
void tc_buf_append(struct tc_buf *b, const void *p, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    if (n != 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void tc_buf_puts(struct tc_buf *b, const char *s)
{
    tc_buf_append(b, s, strlen(s));
}

void tc_buf_printf(struct tc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

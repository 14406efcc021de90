/* SPDX-License-Identifier: GPL-3.0-or-later */
/* heap.c: a binary min-heap of (due time, sequence number), the wait mode's queue. */
#include <stdlib.h>

#include "heap.h"

bool tc_due_before(tc_usec at, uint64_t seq, const struct tc_due *e)
{
    return at < e->at || (at == e->at && seq < e->seq);
}

static bool earlier(const struct tc_due *a, const struct tc_due *b)
{
    return tc_due_before(a->at, a->seq, b);
}

static void swap(struct tc_due *a, struct tc_due *b)
{
    struct tc_due t = *a;
    *a = *b;
    *b = t;
}

bool tc_heap_reserve(struct tc_heap *h, size_t n)
{
    if (n <= h->cap)
        return true;
    size_t cap = h->cap ? h->cap : 64;
    while (cap < n)
        cap *= 2;
    struct tc_due *v = realloc(h->v, cap * sizeof *v);
    if (!v)
        return false;
    h->v = v;
    h->cap = cap;
    return true;
}

void tc_heap_push(struct tc_heap *h, tc_usec at, uint64_t seq)
{
    size_t i = h->n++;
    h->v[i] = (struct tc_due){.at = at, .seq = seq};
    while (i > 0 && earlier(&h->v[i], &h->v[(i - 1) / 2])) {
        swap(&h->v[i], &h->v[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

const struct tc_due *tc_heap_top(const struct tc_heap *h)
{
    return h->n ? &h->v[0] : NULL;
}

void tc_heap_pop(struct tc_heap *h)
{
    if (h->n == 0)
        return;
    h->v[0] = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, least = i;
        if (l < h->n && earlier(&h->v[l], &h->v[least]))
            least = l;
        if (r < h->n && earlier(&h->v[r], &h->v[least]))
            least = r;
        if (least == i)
            return;
        swap(&h->v[i], &h->v[least]);
        i = least;
    }
}

void tc_heap_free(struct tc_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* heap.h: a min-heap of due times, for the targets that wait for their next attempt.
 *
 * Earliest due first, ties in argument order (the sequence number): with 65,535 targets in
 * wait mode, picking the next one costs O(log n), not a scan.
 */
#ifndef TC_HEAP_H
#define TC_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpcheck.h"

struct tc_due {
    tc_usec at;
    uint64_t seq;
};

struct tc_heap {
    struct tc_due *v;
    size_t n, cap;
};

/* Room for `n` entries, so that a push cannot fail later; false when out of memory. */
bool tc_heap_reserve(struct tc_heap *h, size_t n);
/* Add an entry; there must be room (tc_heap_reserve). */
void tc_heap_push(struct tc_heap *h, tc_usec at, uint64_t seq);
/* The earliest entry, or NULL when the heap is empty. */
const struct tc_due *tc_heap_top(const struct tc_heap *h);
void tc_heap_pop(struct tc_heap *h);
/* Does (at, seq) come before the entry e? */
bool tc_due_before(tc_usec at, uint64_t seq, const struct tc_due *e);
void tc_heap_free(struct tc_heap *h);

#endif

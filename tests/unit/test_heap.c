/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_heap.c: the wait mode's queue gives the earliest due target first, ties in argument
 * order, whatever the order of the pushes. */
#include <stdlib.h>

#include "heap.h"
#include "unit.h"

/* Push n entries with due times from a small range (many ties) in a shuffled order; pop them
 * all and check that they come out sorted by (due, seq). */
static void test_order_random(unsigned seed, size_t n)
{
    struct tc_heap h = {0};
    CHECK(tc_heap_reserve(&h, n));
    uint64_t *seqs = malloc(n * sizeof *seqs);
    for (size_t i = 0; i < n; i++)
        seqs[i] = i;
    srand(seed);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rand() % i;
        uint64_t t = seqs[i - 1];
        seqs[i - 1] = seqs[j];
        seqs[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        tc_heap_push(&h, (tc_usec)(seqs[i] * 7919 % 13), seqs[i]);
    tc_usec last_at = -1;
    uint64_t last_seq = 0;
    size_t popped = 0;
    bool sorted = true;
    for (const struct tc_due *top; (top = tc_heap_top(&h)); tc_heap_pop(&h), popped++) {
        if (top->at < last_at || (top->at == last_at && top->seq <= last_seq))
            sorted = false;
        last_at = top->at;
        last_seq = top->seq;
    }
    CHECK(sorted);
    CHECK(popped == n);
    free(seqs);
    tc_heap_free(&h);
}

static void test_before(void)
{
    struct tc_due e = {.at = 100, .seq = 5};
    CHECK(tc_due_before(99, 9, &e));
    CHECK(tc_due_before(100, 4, &e));
    CHECK(!tc_due_before(100, 5, &e));
    CHECK(!tc_due_before(100, 6, &e));
    CHECK(!tc_due_before(101, 0, &e));
}

static void test_empty(void)
{
    struct tc_heap h = {0};
    CHECK(tc_heap_top(&h) == NULL);
    tc_heap_pop(&h); /* harmless */
    CHECK(tc_heap_reserve(&h, 1));
    tc_heap_push(&h, 3, 1);
    CHECK(tc_heap_top(&h)->seq == 1);
    tc_heap_pop(&h);
    CHECK(tc_heap_top(&h) == NULL);
    tc_heap_free(&h);
}

int main(void)
{
    test_before();
    test_empty();
    for (unsigned seed = 1; seed <= 20; seed++)
        test_order_random(seed, 1 + seed * 97);
    return DONE("test_heap");
}

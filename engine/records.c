/* SPDX-License-Identifier: GPL-3.0-or-later */
/* records.c: the records of the targets a run has taken and not yet reported (records.h).
 *
 * A file of its own because its job is memory, not scheduling: records come in blocks that never
 * move, and a block the head has left goes to a free list for the tail's next ones, so a long
 * sweep reuses the few blocks its window spans instead of allocating one per 256 targets.  This
 * file alone allocates and frees the blocks, and frees what a record's outcome owns when the
 * record goes.
 */
#include <stdlib.h>
#include <string.h>

#include "records.h"

#define BLOCK_BITS 8 /* records come in blocks of 256: 35 kB, under malloc's mmap threshold */
#define BLOCK_SIZE ((uint64_t)1 << BLOCK_BITS)

/* A block on the free list: its first bytes link it. */
struct tc_free_block {
    struct tc_free_block *next;
};

void tc_outcome_free(struct tc_outcome *o)
{
    free(o->reply);
    free(o->proxy_text);
}

struct tc_record *tc_record_at(const struct tc_records *t, uint64_t seq)
{
    return &t->blocks[seq >> BLOCK_BITS][seq & (BLOCK_SIZE - 1)];
}

/* The records block b holds: a run of fewer targets than a block (a single probe in a loop)
 * allocates only what it will use, 144 bytes rather than 36 kB. */
static size_t block_records(const struct tc_records *t, size_t b)
{
    return b == 0 && t->total > 0 && t->total < BLOCK_SIZE ? (size_t)t->total : BLOCK_SIZE;
}

struct tc_record *tc_records_append(struct tc_records *t)
{
    size_t b = (size_t)(t->tail >> BLOCK_BITS);
    if (b >= t->nblocks) {
        size_t n = t->nblocks ? t->nblocks * 2 : 4;
        struct tc_record **blocks = realloc(t->blocks, n * sizeof *blocks);
        if (!blocks)
            return NULL;
        memset(blocks + t->nblocks, 0, (n - t->nblocks) * sizeof *blocks);
        t->blocks = blocks;
        t->nblocks = n;
    }
    if (!t->blocks[b] && t->free) {
        t->blocks[b] = (struct tc_record *)(void *)t->free;
        t->free = t->free->next;
    }
    if ((t->tail & (BLOCK_SIZE - 1)) >= block_records(t, b)) /* more than `total` promised */
        return NULL;
    if (!t->blocks[b] && !(t->blocks[b] = malloc(block_records(t, b) * sizeof **t->blocks)))
        return NULL;
    struct tc_record *rec = tc_record_at(t, t->tail++);
    memset(rec, 0, sizeof *rec);
    return rec;
}

/* The head record's block goes to the free list once the head has left it. */
void tc_records_pop(struct tc_records *t)
{
    tc_outcome_free(&tc_record_at(t, t->head)->last);
    t->head++;
    if ((t->head & (BLOCK_SIZE - 1)) == 0) {
        size_t b = (size_t)(t->head >> BLOCK_BITS) - 1;
        struct tc_free_block *f = (struct tc_free_block *)(void *)t->blocks[b];
        f->next = t->free;
        t->free = f;
        t->blocks[b] = NULL;
    }
}

void tc_records_free(struct tc_records *t)
{
    for (uint64_t seq = t->head; seq < t->tail; seq++)
        tc_outcome_free(&tc_record_at(t, seq)->last);
    for (size_t b = 0; b < t->nblocks; b++)
        free(t->blocks[b]);
    free(t->blocks);
    while (t->free) {
        struct tc_free_block *f = t->free;
        t->free = f->next;
        free(f);
    }
}

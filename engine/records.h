/* SPDX-License-Identifier: GPL-3.0-or-later */
/* records.h: the scheduler's record of each target taken from the command line and not yet
 * reported (tcpcheck(1), WAIT MODE: every target attempted keeps its record until it is
 * reported).
 *
 * A record holds where its target stands and its last attempt's outcome.  The records live in
 * blocks that never move, so a pointer to one stays good until it is popped; the scheduler
 * (run.c) appends at the tail as it takes targets and pops at the head as it reports them, in
 * argument order.  The outcome's owned copies (-E's reply, -x's proxy words) are freed here
 * when a record goes, and by tc_outcome_free when the scheduler replaces an outcome.
 */
#ifndef TC_RECORDS_H
#define TC_RECORDS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcpcheck.h"

/* Where a target stands.  (One still on the command line is queued in the iterator and has no
 * record yet.) */
enum tc_target_stage {
    TC_TARGET_PROBING, /* an attempt in flight: a probe slot works on it */
    TC_TARGET_WAITING, /* wait mode: between attempts, in the due heap, holding nothing */
    TC_TARGET_FINAL,   /* its result is final: it waits to be reported in argument order */
};

/* The last finished attempt's result, compact: wait mode keeps one per target. */
struct tc_outcome {
    uint8_t state, mismatch, resolve_failure, stopped, proxy;
    bool has_address, send_failed;
    int16_t proxy_code;
    int sys_errno;
    const char *error_context, *resolve_text, *deadline_text;
    union {
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } address;
    tc_usec rtt, elapsed;
    unsigned char *reply; /* -E: an owned copy of what arrived */
    uint32_t reply_len;
    uint16_t proxy_text_len;
    unsigned char *proxy_text; /* -x: an owned copy of the proxy's words */
};

/* Free the outcome's owned copies (not the outcome). */
void tc_outcome_free(struct tc_outcome *o);

struct tc_record {
    uint32_t word; /* index into req->words */
    uint16_t port;
    uint8_t stage;   /* enum tc_target_stage */
    uint8_t said;    /* wait mode -v: the state its last line named, */
    bool said_state; /* if a line was printed */
    unsigned attempts;
    tc_usec first_start, last_start;
    struct tc_outcome last;
};

/* The records of the targets taken and not yet reported, [head, tail) by sequence number (the
 * target's place in argument order).  Zeroed, it is empty. */
struct tc_records {
    struct tc_record **blocks;
    size_t nblocks;
    uint64_t head, tail;
    struct tc_free_block *free; /* blocks the head has left */
    uint64_t total;             /* the targets the run will take (0: not known); fewer than a
                                   block get a first block of just that many records */
};

/* The record with sequence number seq, head <= seq < tail. */
struct tc_record *tc_record_at(const struct tc_records *t, uint64_t seq);
/* A zeroed record at the tail; NULL when out of memory. */
struct tc_record *tc_records_append(struct tc_records *t);
/* The head record was reported: let it go. */
void tc_records_pop(struct tc_records *t);
/* Every record and every block. */
void tc_records_free(struct tc_records *t);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pingstats.h: ping mode's figures for one target (tcpcheck(1), PING MODE).
 *
 * The scheduler (run.c) counts each probe as it ends and asks for the summary when it reports
 * the target; report.c turns the summary into words.
 */
#ifndef TC_PINGSTATS_H
#define TC_PINGSTATS_H

#include <stdint.h>

#include "report.h"
#include "tcpcheck.h"

/* One target's probes so far.  Zeroed, it has none. */
struct tc_ping_stats {
    uint64_t probes, open;
    tc_usec rtt_min, rtt_max, rtt_sum;
    double rtt_mean, rtt_m2;
    tc_usec last_end;
};

/* A probe ended at `now` in this state; rtt counts only when it is open. */
void tc_ping_count(struct tc_ping_stats *p, enum tc_state state, tc_usec rtt, tc_usec now);

/* The figures of the probes counted, the first of which started at first_start. */
struct tc_ping_summary tc_ping_summarize(const struct tc_ping_stats *p, tc_usec first_start);

#endif

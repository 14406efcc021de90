/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pingstats.c: ping mode's figures (pingstats.h): probes, open ones, and min/avg/max/mdev of
 * their connect times, as ping prints them.
 *
 * A file of its own because it is arithmetic, not scheduling: it sees a probe's state and
 * connect time only, never a record or a result.  The mean and the sum of squared deviations
 * are kept Welford's way, so the standard deviation needs no sum of squares that could overflow
 * on a long run.
 */
#include "pingstats.h"

void tc_ping_count(struct tc_ping_stats *p, enum tc_state state, tc_usec rtt, tc_usec now)
{
    p->probes++;
    p->last_end = now;
    if (state != TC_OPEN)
        return;
    if (p->open++ == 0 || rtt < p->rtt_min)
        p->rtt_min = rtt;
    if (rtt > p->rtt_max)
        p->rtt_max = rtt;
    p->rtt_sum += rtt;
    double delta = (double)rtt - p->rtt_mean;
    p->rtt_mean += delta / (double)p->open;
    p->rtt_m2 += delta * ((double)rtt - p->rtt_mean);
}

/* The integer square root, rounded down (iputils' llsqrt): mdev in whole microseconds. */
static tc_usec isqrt(uint64_t a)
{
    uint64_t x = a, prev = UINT64_MAX;
    while (x > 0 && x < prev) {
        prev = x;
        x = (x + a / x) / 2;
    }
    return (tc_usec)x;
}

struct tc_ping_summary tc_ping_summarize(const struct tc_ping_stats *p, tc_usec first_start)
{
    struct tc_ping_summary sum = {.probes = p->probes, .open = p->open};
    if (p->probes > 0)
        sum.time = p->last_end - first_start;
    if (p->open > 0) {
        sum.rtt_min = p->rtt_min;
        sum.rtt_max = p->rtt_max;
        sum.rtt_avg = p->rtt_sum / (tc_usec)p->open; /* truncated, as ping's */
        sum.rtt_mdev = isqrt((uint64_t)(p->rtt_m2 / (double)p->open));
    }
    return sum;
}

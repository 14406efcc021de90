/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report.h: turning results into the words the contract promises (tcpcheck(1), OUTPUT).
 *
 * Everything here writes into a growable buffer and never prints: the program and the
 * builtin decide where lines go.  Every byte that came from the network or from the user is
 * escaped on the way out, so no peer can drive the terminal and JSON is always valid.
 */
#ifndef TC_REPORT_H
#define TC_REPORT_H

#include "buf.h"
#include "tcpcheck.h"

/* The stderr line for a target that is not open, without "tcpcheck: " and newline. */
void tc_format_failure(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r);

/* The -v line for an open target; `waited` >= 0 in wait mode ("succeeded after 3.2 s"). */
void tc_format_success(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r,
                       tc_usec waited);

/* One -j object, without newline. */
void tc_format_json(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r);

/* Ping mode (tcpcheck(1), PING MODE).  One probe's line, or its -j object ("seq" added to the
 * keys of a result), without newline. */
void tc_format_probe(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r,
                     uint64_t seq);
void tc_format_probe_json(struct tc_buf *out, const struct tc_options *opt,
                          const struct tc_result *r, uint64_t seq);

/* A target's probes in figures; times in microseconds.  The rtt figures count only when a
 * probe connected (open > 0); mdev is the population standard deviation, as ping's. */
struct tc_ping_summary {
    uint64_t probes, open;
    tc_usec rtt_min, rtt_avg, rtt_max, rtt_mdev;
    tc_usec time; /* from the first probe's start to the last one's end */
};

/* The summary of the target r names (host, port; state: open when a probe was, else the last
 * probe's): ping's lines, each with its newline, or the -j object without newline. */
void tc_format_ping_summary(struct tc_buf *out, const struct tc_result *r,
                            const struct tc_ping_summary *s);
void tc_format_ping_summary_json(struct tc_buf *out, const struct tc_result *r,
                                 const struct tc_ping_summary *s);

/* The numeric address of a sockaddr ("10.0.0.5", "::1", "fe80::1%eth0") into buf. */
void tc_format_address(const struct sockaddr_storage *ss, char *buf, size_t size);

#endif

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

/* The numeric address of a sockaddr ("10.0.0.5", "::1", "fe80::1%eth0") into buf. */
void tc_format_address(const struct sockaddr_storage *ss, char *buf, size_t size);

#endif

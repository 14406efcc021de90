/* SPDX-License-Identifier: GPL-3.0-or-later */
/* targets.h: the target words of a command line (tcpcheck(1), TARGETS). */
#ifndef TC_TARGETS_H
#define TC_TARGETS_H

#include "tcpcheck.h"

/* Parse the target words argv[*pos..argc) into req (hosts, words, ntargets) and, in the
 * program form, the COMMAND after a `--`.  Advances *pos to argc on success. */
bool tc_parse_targets(int argc, char **argv, int *pos, enum tc_form form, struct tc_request *req,
                      struct tc_parse_result *res);

/* Validate a host as written (no brackets): IPv4 dotted quad, IPv6 with optional %scope,
 * or a DNS name.  Sets *numeric and *family (AF_INET, AF_INET6 or AF_UNSPEC for names). */
bool tc_check_host(const char *host, bool *numeric, int *family);

/* Why the %scope of a valid IPv6 literal cannot be used, or NULL (also for no scope): a scope
 * belongs on a link-local address only, and names an interface of this host (a local lookup,
 * no network). */
const char *tc_scope_problem(const char *literal);

/* One port, without lists or ranges: a number 1-65535 or a service name. */
bool tc_parse_one_port(const char *text, uint16_t *port);

#endif

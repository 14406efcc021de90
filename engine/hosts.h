/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hosts.h: where an attempt gets its host's addresses: a literal's own, localhost's, or a
 * lookup shared with the other targets of the same host. */
#ifndef TC_HOSTS_H
#define TC_HOSTS_H

#include "probe.h"
#include "resolve.h"
#include "tcpcheck.h"

struct tc_hosts;

/* NULL when out of memory.  The resolver is opened on the first name that needs it. */
struct tc_hosts *tc_hosts_open(const struct tc_request *req);
void tc_hosts_close(struct tc_hosts *h);

/* Fill a->addrs or a->lookup (held for the attempt) for an attempt at host `host`.  `since` is
 * when the same target's previous attempt started, or -1 for its first: a lookup started after
 * it is shared, an older one is not (so every attempt round looks the name up once, however
 * many ports the host has).  With -x, a->addrs or a->lookup are the proxy's, and a->target_name,
 * a->target_addrs or a->target_lookup say what to ask the proxy for.  Returns NULL, or the
 * words of why the resolver cannot start (then nothing is held). */
const char *tc_hosts_prepare(struct tc_hosts *h, size_t host, tc_usec since, tc_usec now,
                             struct tc_attempt *a);

/* The resolver, for the poll loop; NULL until a name was looked up. */
struct tc_resolver *tc_hosts_resolver(struct tc_hosts *h);

#endif

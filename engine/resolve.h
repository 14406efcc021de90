/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resolve.h: c-ares driven from the engine's poll loop, no thread. */
#ifndef TC_RESOLVE_H
#define TC_RESOLVE_H

#include <poll.h>

#include "addrs.h"
#include "tcpcheck.h"

struct tc_resolver;
struct tc_lookup;

enum tc_lookup_status {
    TC_LOOKUP_PENDING,
    TC_LOOKUP_DONE,   /* addresses available (possibly none of the asked family) */
    TC_LOOKUP_FAILED, /* failure and text describe why */
};

/* `limit` is one attempt's deadline: the resolver's retransmissions are paced inside it.
 * NULL on failure, with *ares_status set (ares_strerror() words it). */
struct tc_resolver *tc_resolver_open(tc_usec limit, int *ares_status);
void tc_resolver_close(struct tc_resolver *r);
/* What an ares_status from tc_resolver_open() means, in c-ares' words. */
const char *tc_resolver_strerror(int ares_status);

/* Start looking up NAME (all families; the caller filters).  NULL when out of memory.
 * The lookup may be finished on return (the hosts file, a refusing nameserver). */
struct tc_lookup *tc_lookup_start(struct tc_resolver *r, const char *name);
void tc_lookup_hold(struct tc_lookup *l);
/* Drop one reference (NULL is fine); the lookup is freed when unused and finished. */
void tc_lookup_release(struct tc_lookup *l);
enum tc_lookup_status tc_lookup_status(const struct tc_lookup *l);
const struct tc_addrs *tc_lookup_addrs(const struct tc_lookup *l);
enum tc_resolve_failure tc_lookup_failure(const struct tc_lookup *l);
const char *tc_lookup_text(const struct tc_lookup *l); /* static words, or NULL */

/* Poll integration.  How many descriptors the resolver wants watched now. */
size_t tc_resolver_nfds(const struct tc_resolver *r);
/* Fill at most `max` pollfds with them; returns how many. */
size_t tc_resolver_pollfds(const struct tc_resolver *r, struct pollfd *out, size_t max);
/* When the resolver next needs attention (absolute time), or -1 if it does not. */
tc_usec tc_resolver_next_timeout(struct tc_resolver *r, tc_usec now);
/* Let c-ares read and write what poll reported, and run its timers. */
void tc_resolver_process(struct tc_resolver *r, const struct pollfd *fds, size_t n);

#endif

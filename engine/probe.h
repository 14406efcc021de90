/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe.h: one attempt at one HOST:PORT target. */
#ifndef TC_PROBE_H
#define TC_PROBE_H

#include <poll.h>

#include "addrs.h"
#include "resolve.h"
#include "tcpcheck.h"

/* What every probe of a run shares: the options and the socket budget (-c). */
struct tc_probe_env {
    const struct tc_options *opt;
    size_t sockets_in_use;
    size_t socket_budget;  /* lowered when the system runs out of descriptors */
    char bind_context[80]; /* "cannot bind ADDR" for -s failures */
};

/* One connection attempt to one address. */
struct tc_conn {
    int fd;
    size_t addr; /* index into the probe's addresses */
    tc_usec started;
};

enum tc_probe_phase {
    TC_PHASE_IDLE,       /* between attempts (wait mode) or not started */
    TC_PHASE_RESOLVING,  /* waiting for the lookup */
    TC_PHASE_CONNECTING, /* Happy-Eyeballs connection attempts in flight */
    TC_PHASE_EXCHANGING, /* connected: sending -S, reading for -E */
    TC_PHASE_DONE,       /* this attempt has a result */
};

struct tc_probe {
    enum tc_probe_phase phase;
    tc_usec start, deadline;
    struct tc_lookup *lookup;     /* held while this attempt uses it */
    const struct tc_addrs *addrs; /* the lookup's, or the numeric host's */
    size_t next_addr;
    tc_usec next_start_at;
    struct tc_conn *conns;
    size_t nconns, conns_cap;
    int xfd; /* the connected socket while exchanging */
    size_t sent;
    unsigned char *reply; /* TC_REPLY_MAX bytes, allocated on first use */
    int fail_rank;        /* how telling the failure recorded in res is */
    bool waiting_for_socket;
    struct tc_result res; /* this attempt's outcome so far */
};

/* A probe that holds nothing yet. */
void tc_probe_init(struct tc_probe *p);
/* Start an attempt: with `addrs` for a numeric host, or `lookup` (already held by the caller,
 * now owned by the probe) for a name. */
void tc_probe_begin(struct tc_probe *p, struct tc_probe_env *env, tc_usec now, tc_usec deadline,
                    const struct tc_addrs *addrs, struct tc_lookup *lookup);
/* Advance by time: start due connections, notice lookups and deadlines. */
void tc_probe_step(struct tc_probe *p, struct tc_probe_env *env, tc_usec now);
/* The probe's descriptors with the events it waits for; returns how many (<= max). */
size_t tc_probe_pollfds(const struct tc_probe *p, const struct tc_options *opt, struct pollfd *out,
                        size_t max);
size_t tc_probe_nfds(const struct tc_probe *p);
/* React to what poll reported for the descriptors tc_probe_pollfds gave. */
void tc_probe_handle(struct tc_probe *p, struct tc_probe_env *env, const struct pollfd *fds,
                     size_t n, tc_usec now);
/* The next time the probe must be stepped even if no descriptor is ready. */
tc_usec tc_probe_wakeup(const struct tc_probe *p);
/* Close everything the attempt holds (interrupt, quorum reached). */
void tc_probe_abort(struct tc_probe *p, struct tc_probe_env *env);
/* Release the probe's memory (after the target is reported). */
void tc_probe_free(struct tc_probe *p, struct tc_probe_env *env);

#endif

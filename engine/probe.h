/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe.h: one attempt at one HOST:PORT target.
 *
 * probe.c alone writes a probe's fields: the scheduler (run.c) starts an attempt, hands it what
 * poll saw and the time, and reads the result once tc_probe_done() says the attempt has one.
 * Every attempt in progress owns a base unit of the socket budget (-c) from its start to its
 * end, and an extra unit for each socket beyond its first: budget.h keeps the count.
 */
#ifndef TC_PROBE_H
#define TC_PROBE_H

#include <poll.h>

#include "addrs.h"
#include "budget.h"
#include "proxy.h"
#include "resolve.h"
#include "tcpcheck.h"

/* One connection attempt to one address. */
struct tc_conn {
    int fd;
    size_t addr; /* index into the probe's addresses */
    tc_usec started;
    tc_usec share_end; /* when no socket is free, the next address may take this one's then */
};

enum tc_probe_phase {
    TC_PHASE_IDLE,       /* no attempt: not started, or let go of */
    TC_PHASE_RESOLVING,  /* waiting for the lookup */
    TC_PHASE_CONNECTING, /* Happy-Eyeballs connection attempts in flight */
    TC_PHASE_TUNNELING,  /* -x: connected to the proxy, the handshake under way */
    TC_PHASE_EXCHANGING, /* connected: sending -S, reading for -E */
    TC_PHASE_DONE,       /* the attempt has its result; it holds nothing any more */
};

struct tc_probe {
    enum tc_probe_phase phase;
    tc_usec start, deadline;
    bool holds_unit;              /* its base unit of the budget */
    struct tc_lookup *lookup;     /* held while this attempt uses it */
    const struct tc_addrs *addrs; /* the lookup's, or the literal host's: what is connected to
                                     (the target's, or with -x the proxy's) */
    uint16_t connect_port;        /* the target's port, or with -x the proxy's */
    size_t next_addr;             /* the next address to start */
    tc_usec next_start_at;        /* ... not before this (the Happy-Eyeballs delay, or the
                                     retry of a unix: socket whose backlog is full) */
    bool waiting_for_socket;      /* the next address is due, but no socket is free */
    bool backlog_full;            /* unix: the last connect() found the backlog full */
    /* -x: the target as the proxy is to be asked for it */
    bool proxied;
    const char *target_name;             /* as written */
    struct tc_lookup *target_lookup;     /* socks5://: the target's lookup, held */
    const struct tc_addrs *target_addrs; /* socks5:// (or a literal): its addresses */
    struct tc_tunnel *tunnel;            /* the handshake, made on first use and kept with its
                                            buffers (a run without -x carries none) */
    enum tc_tunnel_want tunnel_want;     /* what it waits for */
    tc_usec tunnel_started;              /* when the connection to the proxy started */
    struct tc_conn *conns;
    size_t nconns, conns_cap;
    int xfd; /* the connected socket while exchanging */
    size_t sent;
    unsigned char *reply; /* TC_REPLY_MAX bytes, allocated on first use */
    int fail_rank;        /* how telling the failure recorded in res is */
    struct tc_result res; /* this attempt's outcome so far */
};

/* How one attempt starts.  With -x, addrs and lookup are the proxy's, and the target_ fields
 * say what to ask the proxy for. */
struct tc_attempt {
    uint16_t port;
    tc_usec now, deadline;
    const char *deadline_text;    /* the bound as written when -W cut it below -w, else NULL */
    const struct tc_addrs *addrs; /* a literal's (or localhost's, or a unix: socket's) addresses,
                                     else NULL */
    struct tc_lookup *lookup;     /* a name's lookup, held for the probe, else NULL */
    const char *target_name;      /* -x: the target's host as written */
    const struct tc_addrs *target_addrs; /* -x: the address(es) to send: a literal's, or for
                                            socks5:// localhost's; else NULL */
    struct tc_lookup *target_lookup;     /* -x socks5://: the target name's lookup, held */
};

/* A probe that holds nothing yet. */
void tc_probe_init(struct tc_probe *p);
/* Start an attempt (the probe is IDLE or DONE); it takes its base unit and owns a->lookup. */
void tc_probe_begin(struct tc_probe *p, struct tc_probe_env *env, const struct tc_attempt *a);
/* Start an attempt that ends at once with a local error, e.g. the resolver could not start
 * (err may be 0; context says what failed). */
void tc_probe_fail(struct tc_probe *p, struct tc_probe_env *env, const struct tc_attempt *a,
                   int err, const char *context);
/* Advance by time: notice the lookup and the deadline, start due connections. */
void tc_probe_step(struct tc_probe *p, struct tc_probe_env *env, tc_usec now);
/* The probe's descriptors with the events it waits for; returns how many (<= max). */
size_t tc_probe_pollfds(const struct tc_probe *p, const struct tc_probe_env *env,
                        struct pollfd *out, size_t max);
/* React to what poll reported for the descriptors tc_probe_pollfds gave. */
void tc_probe_handle(struct tc_probe *p, struct tc_probe_env *env, const struct pollfd *fds,
                     size_t n, tc_usec now);
/* The next time the probe must be stepped even if no descriptor is ready. */
tc_usec tc_probe_wakeup(const struct tc_probe *p);
bool tc_probe_done(const struct tc_probe *p);
/* The attempt's result once done (its reply points into the probe: copy it to keep it). */
const struct tc_result *tc_probe_result(const struct tc_probe *p);
/* Did this attempt end only because its time ran out, with no answer at all (a timeout, a lookup
 * unfinished, a proxy that said nothing)?  Wait mode keeps an earlier answer over such a one. */
bool tc_result_ran_out_of_time(const struct tc_result *r);
/* Let go of the attempt: every socket, the lookup and the base unit (the run stopped). */
void tc_probe_abort(struct tc_probe *p, struct tc_probe_env *env);
/* Release the probe's memory too. */
void tc_probe_free(struct tc_probe *p, struct tc_probe_env *env);

#endif

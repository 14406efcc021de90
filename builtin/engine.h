/* engine.h: what the parts of the engine share among themselves (not for the callers). */
#ifndef TC_ENGINE_H
#define TC_ENGINE_H

#include <poll.h>

#include "tcpcheck.h"

/* Now, in microseconds on the monotonic clock. */
tc_usec tc_now(void);

/* A list of addresses to try, in Happy-Eyeballs order (RFC 8305: families interleaved). */
struct tc_addrs {
    size_t n;
    struct sockaddr_storage *v;
};

/* Put addresses in RFC 8305 order: the first address's family first, then alternate. */
void tc_addrs_interleave(struct tc_addrs *a);

/* --- resolve.c: c-ares driven from the engine's poll loop, no thread ------------------ */

struct tc_resolver;
struct tc_lookup;

enum tc_lookup_status {
    TC_LOOKUP_PENDING,
    TC_LOOKUP_DONE,   /* addresses available (possibly none of the asked family) */
    TC_LOOKUP_FAILED, /* failure and text describe why */
};

/* `limit` is one attempt's deadline: the resolver's retransmissions are paced inside it. */
struct tc_resolver *tc_resolver_open(tc_usec limit, int *ares_status);
void tc_resolver_close(struct tc_resolver *r);

/* Start looking up NAME (all families; the caller filters).  NULL when out of memory. */
struct tc_lookup *tc_lookup_start(struct tc_resolver *r, const char *name);
void tc_lookup_hold(struct tc_lookup *l);
/* Drop one reference; the lookup is freed when unused and finished. */
void tc_lookup_release(struct tc_lookup *l);
enum tc_lookup_status tc_lookup_status(const struct tc_lookup *l);
const struct tc_addrs *tc_lookup_addrs(const struct tc_lookup *l);
enum tc_resolve_failure tc_lookup_failure(const struct tc_lookup *l);
const char *tc_lookup_text(const struct tc_lookup *l);

/* Poll integration: fill at most `max` pollfds with the resolver's sockets. */
size_t tc_resolver_pollfds(struct tc_resolver *r, struct pollfd *out, size_t max);
/* When the resolver next needs attention (absolute time), or -1 if it does not. */
tc_usec tc_resolver_next_timeout(struct tc_resolver *r, tc_usec now);
/* Let c-ares read and write what poll reported, and run its timers. */
void tc_resolver_process(struct tc_resolver *r, const struct pollfd *fds, size_t n);

/* --- probe.c: one attempt at one HOST:PORT target ------------------------------------ */

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

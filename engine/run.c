/* SPDX-License-Identifier: GPL-3.0-or-later */
/* run.c: probing every target of a request, in parallel, reported in argument order.
 *
 * Targets enter a fixed window (a ring of -c slots) in argument order and leave it, reported,
 * in the same order; so memory is bounded by the concurrency, not by the number of targets.
 * One poll loop drives every socket of every slot and the resolver's sockets; each attempt
 * ends at its own deadline (-w, cut at -W in wait mode).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#include "clock.h"
#include "probe.h"
#include "resolve.h"
#include "report.h"

#define DEFAULT_MAX_INFLIGHT 1024
#define DESCRIPTOR_RESERVE 16 /* for the resolver, stdio and whatever the caller holds */
#define SMALL_RUN 16          /* this few sockets fit any limit; EMFILE is handled anyway */
#define POLL_SLICE 100000     /* look at the interrupt flags at least this often */
#define RESOLVER_FDS 16
#define ADVANCE_ROUNDS 8 /* rounds of admitting and reporting between two looks at signals */
#define LAST_LOOK 1000   /* wait mode: the last attempt starts this long before -W ends */

/* One target in the window. */
struct slot {
    size_t word;
    uint16_t port;
    unsigned attempts;
    tc_usec first_start;
    tc_usec next_attempt_at; /* wait mode: when the next attempt may start */
    bool final;
    bool said_state;         /* wait mode -v: a state line was printed */
    enum tc_state said;      /* ... and which state it named */
    size_t pfd_first, pfd_n; /* this slot's part of the pollfd array */
    struct tc_result last;   /* the last finished attempt's result */
    struct tc_probe probe;
};

struct host_state {
    struct tc_addrs fixed; /* a literal's address, or localhost's: no resolver needed */
    bool has_fixed;
    struct tc_lookup *lookup; /* a name's lookup for round `round` */
    unsigned round;
};

struct run {
    const struct tc_request *req;
    const struct tc_options *opt;
    const struct tc_sink *sink;
    struct tc_probe_env env;
    struct tc_resolver *resolver;
    struct host_state *hosts;
    struct slot *ring;
    size_t cap, head, count;
    struct tc_target_iter iter;
    bool iter_done;
    bool wait_mode;
    tc_usec run_deadline; /* -W; INT64_MAX when not waiting */
    struct pollfd *pfds;
    size_t pfds_cap;
    uint64_t opened_now; /* wait mode: targets open so far (quorum) */
    bool stop;           /* wait mode: the quorum is reached */
    uint64_t opened, failed;
    int first_failure;
    struct tc_buf line;
};

/* --- sizes ------------------------------------------------------------------------------ */

static size_t open_descriptors(void)
{
    DIR *d = opendir("/proc/self/fd");
    size_t n = 0;

    if (d == NULL)
        return DESCRIPTOR_RESERVE;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* -c, or as many as the open-file limit leaves room for (tcpcheck(1), OPTIONS, -c: "never more than
 * the open-file limit allows"); a lower real limit is found at socket() and respected.  Counting
 * the open descriptors costs five system calls, so a run far below the limit skips it: a
 * single probe in a loop then costs little more than its own socket. */
static size_t choose_max_inflight(const struct tc_options *opt, uint64_t ntargets)
{
    struct rlimit rl;
    size_t n = opt->max_inflight ? opt->max_inflight : DEFAULT_MAX_INFLIGHT;

    if (n > ntargets)
        n = (size_t)ntargets;
    if (opt->max_inflight == 0 && n > SMALL_RUN && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
        rl.rlim_cur != RLIM_INFINITY && n + DESCRIPTOR_RESERVE > rl.rlim_cur / 2) {
        size_t used = open_descriptors() + DESCRIPTOR_RESERVE;
        size_t room = rl.rlim_cur > used ? (size_t)rl.rlim_cur - used : 1;

        if (room < n)
            n = room;
    }
    return n ? n : 1;
}

/* --- hosts ------------------------------------------------------------------------------ */

/* A literal without a scope is read by inet_pton; getaddrinfo is for the scoped ones. */
static bool plain_numeric_address(const char *name, struct sockaddr_storage *ss)
{
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    if (inet_pton(AF_INET, name, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, name, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

static int numeric_address(const char *name, struct tc_addrs *out)
{
    struct addrinfo hints, *res = NULL;

    out->v = calloc(1, sizeof *out->v);
    if (out->v == NULL)
        return -1;
    if (plain_numeric_address(name, out->v)) {
        out->n = 1;
        return 0;
    }

    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(name, NULL, &hints, &res) != 0 || res == NULL)
        return -1;
    if (res->ai_addrlen <= sizeof *out->v) {
        memcpy(out->v, res->ai_addr, res->ai_addrlen);
        out->n = 1;
    }
    freeaddrinfo(res);
    return out->n == 1 ? 0 : -1;
}

/* RFC 6761: "localhost" and names under it are the loopback addresses, always, and no
 * resolver is asked.  (This also steps around c-ares 1.18.1, which leaks the name when it
 * answers localhost itself.) */
static bool is_localhost_name(const char *name)
{
    static const char suffix[] = ".localhost";
    size_t n = strlen(name), k = sizeof suffix - 1;

    if (n > 0 && name[n - 1] == '.')
        n--;
    if (n == k - 1)
        return strncasecmp(name, suffix + 1, n) == 0;
    return n > k && strncasecmp(name + n - k, suffix, k) == 0;
}

/* Loopback in IPv4 then IPv6: most services that answer on localhost listen on 127.0.0.1. */
static int localhost_addresses(struct tc_addrs *out)
{
    struct sockaddr_in *v4;
    struct sockaddr_in6 *v6;

    out->v = calloc(2, sizeof *out->v);
    if (out->v == NULL)
        return -1;
    v4 = (struct sockaddr_in *)&out->v[0];
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    v6 = (struct sockaddr_in6 *)&out->v[1];
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_loopback;
    out->n = 2;
    return 0;
}

static int prepare_hosts(struct run *r)
{
    size_t i;

    r->hosts = calloc(r->req->nhosts ? r->req->nhosts : 1, sizeof *r->hosts);
    if (r->hosts == NULL)
        return -1;
    for (i = 0; i < r->req->nhosts; i++) {
        const struct tc_host *h = &r->req->hosts[i];
        struct host_state *hs = &r->hosts[i];

        if (h->numeric) {
            /* A literal never goes to the resolver; one the parser accepted can fail here only
             * for lack of memory, and then has no address to try. */
            numeric_address(h->name, &hs->fixed);
            hs->has_fixed = true;
        } else if (is_localhost_name(h->name))
            hs->has_fixed = localhost_addresses(&hs->fixed) == 0;
    }
    return 0;
}

/* The lookup for `host` in attempt round `round`, held for the caller; shared by every
 * target of that host in that round, so a name is looked up once per attempt, not per port. */
static struct tc_lookup *lookup_for(struct run *r, size_t host, unsigned round)
{
    struct host_state *hs = &r->hosts[host];
    int status;

    if (hs->lookup == NULL || hs->round != round) {
        if (r->resolver == NULL)
            r->resolver = tc_resolver_open(r->opt->limit.usec, &status);
        if (r->resolver == NULL)
            return NULL;
        tc_lookup_release(hs->lookup);
        hs->lookup = tc_lookup_start(r->resolver, r->req->hosts[host].name);
        hs->round = round;
        if (hs->lookup == NULL)
            return NULL;
    }
    tc_lookup_hold(hs->lookup);
    return hs->lookup;
}

/* --- attempts --------------------------------------------------------------------------- */

static void begin_attempt(struct run *r, struct slot *s, tc_usec now)
{
    size_t host = r->req->words[s->word].host;
    tc_usec deadline = now + r->opt->limit.usec;
    struct tc_lookup *lookup = NULL;

    if (deadline > r->run_deadline)
        deadline = r->run_deadline;
    s->attempts++;
    if (s->attempts == 1)
        s->first_start = now;
    if (!r->hosts[host].has_fixed) {
        lookup = lookup_for(r, host, s->attempts);
        if (lookup == NULL) {
            tc_probe_begin(&s->probe, &r->env, now, deadline, &r->hosts[host].fixed, NULL);
            s->probe.res.state = TC_ERROR;
            s->probe.res.sys_errno = ENOMEM;
            s->probe.res.error_context = "cannot start the resolver";
            s->probe.phase = TC_PHASE_DONE;
            return;
        }
    }
    tc_probe_begin(&s->probe, &r->env, now, deadline, &r->hosts[host].fixed, lookup);
    if (deadline == r->run_deadline && s->attempts == 1)
        s->probe.res.deadline_text = r->opt->wait.text; /* -W was the shorter bound */
    tc_probe_step(&s->probe, &r->env, now);
}

/* Lines about targets: -q and -j silence them. */
static void say(struct run *r, const char *line, bool failure)
{
    void (*out)(void *, const char *) = failure ? r->sink->say : r->sink->tell;

    if (out == NULL)
        out = r->sink->say;
    if (out != NULL && !r->opt->quiet && !r->opt->json)
        out(r->sink->ctx, line);
}

static void fill_identity(const struct run *r, const struct slot *s, struct tc_result *res,
                          tc_usec now)
{
    const struct tc_host *h = &r->req->hosts[r->req->words[s->word].host];

    res->host = h->name;
    res->host_numeric = h->numeric;
    res->port = s->port;
    res->attempts = s->attempts;
    res->elapsed = now - s->first_start;
}

/* Wait mode with -v: one line when a target's state changes, one when it opens. */
static void say_progress(struct run *r, struct slot *s, tc_usec now)
{
    if (r->opt->verbose == 0)
        return;
    tc_buf_reset(&r->line);
    if (s->last.state == TC_OPEN)
        tc_format_success(&r->line, r->opt, &s->last, now - s->first_start);
    else if (!s->said_state || s->said != s->last.state)
        tc_format_failure(&r->line, r->opt, &s->last);
    else
        return;
    s->said_state = true;
    s->said = s->last.state;
    if (!r->line.failed)
        say(r, r->line.data, s->last.state != TC_OPEN);
}

static void quorum_check(struct run *r)
{
    if (r->wait_mode && r->opt->quorum > 0 && r->opened_now >= r->opt->quorum)
        r->stop = true;
}

/* Did -W cut this attempt short before anything answered?  Such an attempt says nothing
 * about the target, so an earlier attempt's state stands (-W 30 on a closed port ends 1). */
static bool cut_without_answer(const struct run *r, const struct slot *s)
{
    const struct tc_result *res = &s->probe.res;

    if (s->attempts < 2 || s->probe.deadline != r->run_deadline)
        return false;
    return res->state == TC_TIMEOUT ||
           (res->state == TC_UNRESOLVED && res->resolve_failure == TC_RESOLVE_TIMEOUT);
}

/* When the next attempt may start: -i after this one started, and one last look just before
 * -W ends, so a port that opens late in the wait is still seen; none after that. */
static void schedule_next_attempt(struct run *r, struct slot *s, tc_usec now)
{
    tc_usec last_look = r->run_deadline - LAST_LOOK;
    tc_usec next = s->probe.start + r->opt->interval.usec;

    if (s->probe.start >= last_look || now >= r->run_deadline) {
        s->final = true;
        return;
    }
    if (next < now)
        next = now;
    s->next_attempt_at = next < last_look ? next : last_look;
}

static void attempt_finished(struct run *r, struct slot *s, tc_usec now)
{
    s->probe.phase = TC_PHASE_IDLE;
    if (!(r->wait_mode && cut_without_answer(r, s)))
        s->last = s->probe.res;
    fill_identity(r, s, &s->last, now);
    if (!r->wait_mode) {
        s->final = true;
        return;
    }
    say_progress(r, s, now);
    if (s->last.state == TC_OPEN) {
        s->final = true;
        r->opened_now++;
        quorum_check(r);
        return;
    }
    schedule_next_attempt(r, s, now);
}

/* A target still in progress when the run stops (quorum reached, -W passed): it keeps the
 * state of its last finished attempt; one that finished none was cut off: a timeout. */
static void cut_off(struct run *r, struct slot *s, tc_usec now)
{
    bool finished_one = s->probe.phase == TC_PHASE_IDLE ? s->attempts > 0 : s->attempts > 1;

    tc_probe_abort(&s->probe, &r->env);
    if (!finished_one) {
        memset(&s->last, 0, sizeof s->last);
        s->last.state = TC_TIMEOUT;
        s->last.rtt = -1;
    }
    fill_identity(r, s, &s->last, now);
    s->probe.phase = TC_PHASE_IDLE;
    s->final = true;
}

static struct slot *slot_at(struct run *r, size_t i)
{
    return &r->ring[(r->head + i) % r->cap];
}

/* Let targets into the free slots, in argument order; returns how many came in. */
static size_t admit(struct run *r, tc_usec now)
{
    size_t admitted = 0;

    while (r->count < r->cap && !r->iter_done) {
        size_t word;
        uint16_t port;
        struct slot *s;

        if (!tc_target_iter_next(r->req, &r->iter, &word, &port)) {
            r->iter_done = true;
            break;
        }
        s = slot_at(r, r->count++);
        admitted++;
        s->word = word;
        s->port = port;
        s->attempts = 0;
        s->final = false;
        s->said_state = false;
        s->probe.res.port = port;
        if (r->stop) {
            s->first_start = now;
            cut_off(r, s, now);
            continue;
        }
        begin_attempt(r, s, now);
    }
    return admitted;
}

static void step_slot(struct run *r, struct slot *s, tc_usec now)
{
    if (s->final)
        return;
    if (s->probe.phase == TC_PHASE_IDLE && now >= s->next_attempt_at && !r->stop)
        begin_attempt(r, s, now);
    else if (s->probe.phase != TC_PHASE_IDLE && s->probe.phase != TC_PHASE_DONE)
        tc_probe_step(&s->probe, &r->env, now); /* at -W this ends the attempt in its words */
    if (s->probe.phase == TC_PHASE_DONE)
        attempt_finished(r, s, now);
    if (r->stop && !s->final)
        cut_off(r, s, now);
}

/* --- reporting -------------------------------------------------------------------------- */

static void report_lines(struct run *r, const struct tc_result *res)
{
    tc_buf_reset(&r->line);
    if (res->state != TC_OPEN && !(r->wait_mode && r->opt->verbose))
        tc_format_failure(&r->line, r->opt, res);
    else if (res->state == TC_OPEN && r->opt->verbose && !r->wait_mode)
        tc_format_success(&r->line, r->opt, res, -1);
    else
        return;
    if (!r->line.failed)
        say(r, r->line.data, res->state != TC_OPEN);
}

static void report_json(struct run *r, const struct tc_result *res)
{
    tc_buf_reset(&r->line);
    tc_format_json(&r->line, r->opt, res);
    tc_buf_append(&r->line, "\n", 1);
    if (!r->line.failed && r->sink->out != NULL)
        fwrite(r->line.data, 1, r->line.len, r->sink->out);
}

static void report(struct run *r, const struct slot *s)
{
    const struct tc_result *res = &s->last;

    if (res->state == TC_OPEN) {
        r->opened++;
    } else {
        if (r->failed++ == 0)
            r->first_failure = tc_state_status(res->state);
    }
    if (r->sink->result != NULL)
        r->sink->result(r->sink->ctx, res);
    if (r->opt->json)
        report_json(r, res);
    else
        report_lines(r, res);
}

/* Report the finished targets at the front of the window; returns how many. */
static size_t report_finished_head(struct run *r)
{
    size_t reported = 0;

    while (r->count > 0 && slot_at(r, 0)->final) {
        report(r, slot_at(r, 0));
        r->head = (r->head + 1) % r->cap;
        r->count--;
        reported++;
    }
    return reported;
}

/* --- the poll loop ---------------------------------------------------------------------- */

/* The resolver's descriptors first (*nresolver of them), then each slot's; *wakeup is when
 * the loop must look again even if nothing happens. */
static size_t build_pollfds(struct run *r, tc_usec now, size_t *nresolver, tc_usec *wakeup)
{
    size_t i, n = tc_resolver_pollfds(r->resolver, r->pfds, RESOLVER_FDS);
    tc_usec t = tc_resolver_next_timeout(r->resolver, now);

    *nresolver = n;
    *wakeup = (t >= 0) ? t : now + POLL_SLICE;
    for (i = 0; i < r->count; i++) {
        struct slot *s = slot_at(r, i);

        s->pfd_first = n;
        s->pfd_n = 0;
        if (s->final)
            continue;
        if (s->probe.phase == TC_PHASE_IDLE) {
            t = s->next_attempt_at;
        } else {
            s->pfd_n = tc_probe_pollfds(&s->probe, r->opt, r->pfds + n, r->pfds_cap - n);
            n += s->pfd_n;
            t = tc_probe_wakeup(&s->probe);
        }
        if (t < *wakeup)
            *wakeup = t;
    }
    return n;
}

static int wait_for_events(struct run *r, size_t n, tc_usec now, tc_usec wakeup)
{
    tc_usec wait = wakeup - now;
    struct timespec ts;

    if (wait < 0)
        wait = 0;
    if (wait > POLL_SLICE)
        wait = POLL_SLICE;
    ts.tv_sec = wait / 1000000;
    ts.tv_nsec = (wait % 1000000) * 1000;
    if (ppoll(r->pfds, n, &ts, r->sink->wait_mask) < 0 && errno != EINTR)
        return -1;
    return 0;
}

static void dispatch(struct run *r, size_t nresolver, tc_usec now)
{
    size_t i;

    tc_resolver_process(r->resolver, r->pfds, nresolver);
    for (i = 0; i < r->count; i++) {
        struct slot *s = slot_at(r, i);

        if (s->pfd_n > 0 && !s->final && s->probe.phase != TC_PHASE_IDLE)
            tc_probe_handle(&s->probe, &r->env, r->pfds + s->pfd_first, s->pfd_n, now);
    }
}

static int interrupted(const struct run *r)
{
    return r->sink->interrupted ? r->sink->interrupted(r->sink->ctx) : 0;
}

static bool finished(const struct run *r)
{
    return r->count == 0 && r->iter_done;
}

/* Admit, step and report until nothing moves (a report frees slots, new targets may finish at
 * once), but for a few rounds at most, so that the loop still reaches ppoll, where signals
 * are let in, while a sweep of refused ports never has to wait.  True when work is left. */
static bool advance(struct run *r, tc_usec now)
{
    size_t i, progress;
    int rounds = 0;
    bool stopped;

    do {
        progress = admit(r, now);
        stopped = r->stop;
        for (i = 0; i < r->count; i++)
            step_slot(r, slot_at(r, i), now);
        if (r->stop && !stopped)
            progress++; /* the quorum was reached: cut off the slots already stepped */
        progress += report_finished_head(r);
    } while (progress > 0 && !finished(r) && ++rounds < ADVANCE_ROUNDS);
    return progress > 0;
}

/* Returns 0 when every target is reported, else 128 + signal or -1 (poll failed). */
static int loop(struct run *r)
{
    for (;;) {
        tc_usec now = tc_now(), wakeup;
        size_t n, nresolver;
        bool busy;
        int sig;

        if (r->wait_mode && now >= r->run_deadline)
            r->stop = true;
        busy = advance(r, now);
        if (finished(r))
            return 0;
        n = build_pollfds(r, now, &nresolver, &wakeup);
        if (busy)
            wakeup = now;
        else if (r->wait_mode && r->run_deadline < wakeup)
            wakeup = r->run_deadline;
        if (wait_for_events(r, n, now, wakeup) != 0)
            return -1;
        sig = interrupted(r); /* signals get in only during ppoll */
        if (sig)
            return sig;
        dispatch(r, nresolver, tc_now());
    }
}

/* --- setup and teardown ----------------------------------------------------------------- */

static int run_open(struct run *r, const struct tc_request *req, const struct tc_sink *sink)
{
    size_t i;

    memset(r, 0, sizeof *r);
    r->req = req;
    r->opt = &req->opt;
    r->sink = sink;
    r->env.opt = &req->opt;
    if (req->opt.has_source) {
        char address[64];

        tc_format_address(&req->opt.source, address, sizeof address);
        snprintf(r->env.bind_context, sizeof r->env.bind_context, "cannot bind %s", address);
    }
    r->wait_mode = req->opt.wait_mode;
    r->run_deadline = INT64_MAX;
    r->cap = choose_max_inflight(&req->opt, req->ntargets);
    r->env.socket_budget = r->cap;
    r->pfds_cap = r->cap + RESOLVER_FDS;
    r->ring = calloc(r->cap, sizeof *r->ring);
    r->pfds = calloc(r->pfds_cap, sizeof *r->pfds);
    if (r->ring == NULL || r->pfds == NULL || prepare_hosts(r) != 0)
        return -1;
    for (i = 0; i < r->cap; i++)
        tc_probe_init(&r->ring[i].probe);
    tc_target_iter_init(&r->iter);
    return 0;
}

static void run_close(struct run *r)
{
    size_t i;

    for (i = 0; r->ring != NULL && i < r->cap; i++)
        tc_probe_free(&r->ring[i].probe, &r->env);
    for (i = 0; r->hosts != NULL && i < r->req->nhosts; i++) {
        tc_lookup_release(r->hosts[i].lookup);
        free(r->hosts[i].fixed.v);
    }
    tc_resolver_close(r->resolver);
    free(r->hosts);
    free(r->ring);
    free(r->pfds);
    tc_buf_free(&r->line);
}

static int final_status(const struct run *r)
{
    bool success = r->opt->quorum ? r->opened >= r->opt->quorum : r->failed == 0;

    return success ? TC_EXIT_OPEN : r->first_failure;
}

int tc_run(const struct tc_request *req, const struct tc_sink *sink)
{
    struct run r;
    int rc;

    if (run_open(&r, req, sink) != 0) {
        run_close(&r);
        if (sink->say != NULL)
            sink->say(sink->ctx, "out of memory");
        return TC_EXIT_ERROR;
    }
    if (r.wait_mode)
        r.run_deadline = tc_now() + req->opt.wait.usec;
    rc = loop(&r);
    run_close(&r);
    if (rc > 0)
        return rc;
    if (rc < 0) {
        if (sink->say != NULL)
            sink->say(sink->ctx, "poll failed");
        return TC_EXIT_ERROR;
    }
    return final_status(&r);
}

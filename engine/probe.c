/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe.c: one attempt at one HOST:PORT target.
 *
 * An attempt resolves the host (or takes its literal address), then connects Happy-Eyeballs
 * style (RFC 8305: the next address after 250 ms without an answer, or at once when every
 * started connection has failed); the first connection wins.  With -S/-E the winner then
 * sends and reads until the reply matches.  Every socket is non-blocking, close-on-exec, and
 * closed with a reset (SO_LINGER 0), so probes leave no TIME_WAIT behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "match.h"

#define CONNECTION_ATTEMPT_DELAY 250000 /* RFC 8305 section 5 */

/* How telling a failure is when several addresses fail differently (tcpcheck(1), STATES AND EXIT
 * STATUS: refused over timeout over unreachable); a local error tells the least. */
enum { RANK_NONE, RANK_ERROR, RANK_UNREACHABLE, RANK_TIMEOUT, RANK_REFUSED };

static int state_rank(enum tc_state s)
{
    switch (s) {
    case TC_REFUSED:
        return RANK_REFUSED;
    case TC_TIMEOUT:
        return RANK_TIMEOUT;
    case TC_UNREACHABLE:
        return RANK_UNREACHABLE;
    default:
        return RANK_ERROR;
    }
}

/* Which state a connect() errno means (tcpcheck(1), STATES AND EXIT STATUS: unreachable covers
 * routes and firewalls; what the local system could not do is an error). */
static enum tc_state state_of_errno(int err)
{
    switch (err) {
    case ECONNREFUSED:
    case ECONNRESET:
        return TC_REFUSED;
    case ETIMEDOUT:
        return TC_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
    case EACCES:
    case EPERM:
        return TC_UNREACHABLE;
    default:
        return TC_ERROR;
    }
}

static void record_failure(struct tc_probe *p, enum tc_state s, int err, const char *context,
                           const struct sockaddr_storage *addr)
{
    int rank = state_rank(s);

    if (rank < p->fail_rank)
        return;
    p->fail_rank = rank;
    p->res.state = s;
    p->res.sys_errno = err;
    p->res.error_context = context;
    if (addr != NULL) {
        p->res.has_address = true;
        p->res.address = *addr;
    }
}

static void close_socket(struct tc_probe_env *env, int fd)
{
    close(fd);
    env->sockets_in_use--;
}

static void close_conns(struct tc_probe *p, struct tc_probe_env *env)
{
    size_t i;

    for (i = 0; i < p->nconns; i++)
        close_socket(env, p->conns[i].fd);
    p->nconns = 0;
}

/* The attempt has its answer: let go of everything it holds (tc_probe_abort) and say which. */
static void finish(struct tc_probe *p, struct tc_probe_env *env, enum tc_state s)
{
    tc_probe_abort(p, env);
    p->res.state = s;
    p->phase = TC_PHASE_DONE;
}

/* The best failure recorded, or a timeout when connections were still waiting. */
static void finish_failed(struct tc_probe *p, struct tc_probe_env *env)
{
    if (p->nconns > 0)
        record_failure(p, TC_TIMEOUT, 0, NULL, &(*p->addrs).v[p->conns[0].addr]);
    if (p->fail_rank == RANK_NONE)
        record_failure(p, TC_TIMEOUT, 0, NULL, NULL);
    finish(p, env, p->res.state);
}

static void finish_unresolved(struct tc_probe *p, struct tc_probe_env *env,
                              enum tc_resolve_failure why, const char *text)
{
    p->res.resolve_failure = why;
    p->res.resolve_text = text;
    finish(p, env, TC_UNRESOLVED);
}

void tc_probe_init(struct tc_probe *p)
{
    memset(p, 0, sizeof *p);
    p->xfd = -1;
}

void tc_probe_begin(struct tc_probe *p, struct tc_probe_env *env, tc_usec now, tc_usec deadline,
                    const struct tc_addrs *addrs, struct tc_lookup *lookup)
{
    (void)env;
    p->start = now;
    p->deadline = deadline;
    p->lookup = lookup;
    p->addrs = addrs;
    p->next_addr = 0;
    p->next_start_at = now;
    p->nconns = 0;
    p->xfd = -1;
    p->sent = 0;
    p->fail_rank = RANK_NONE;
    p->waiting_for_socket = false;
    p->res.state = TC_TIMEOUT;
    p->res.sys_errno = 0;
    p->res.error_context = NULL;
    p->res.resolve_failure = TC_RESOLVE_NONE;
    p->res.resolve_text = NULL;
    p->res.mismatch = TC_MISMATCH_NONE;
    p->res.has_address = false;
    p->res.rtt = -1;
    p->res.reply_len = 0;
    p->res.deadline_text = NULL;
    p->phase = lookup ? TC_PHASE_RESOLVING : TC_PHASE_CONNECTING;
}

/* Is this address one the options allow (-4/-6, the family of -s)? */
static bool address_usable(const struct tc_options *opt, const struct sockaddr_storage *ss)
{
    if (opt->family != AF_UNSPEC && ss->ss_family != opt->family)
        return false;
    if (opt->has_source && ss->ss_family != opt->source.ss_family)
        return false;
    return ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
}

static size_t count_usable(const struct tc_options *opt, const struct tc_addrs *a)
{
    size_t i, n = 0;

    for (i = 0; i < a->n; i++)
        n += address_usable(opt, &a->v[i]);
    return n;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* A connection that reached its own source port (TCP simultaneous open on a local address):
 * nothing listens there, so it is not open. */
static bool connected_to_itself(int fd, const struct sockaddr_storage *peer)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof local;

    if (getsockname(fd, (struct sockaddr *)&local, &len) != 0)
        return false;
    if (local.ss_family != peer->ss_family)
        return false;
    if (local.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)&local, *b = (const void *)peer;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *a = (const void *)&local, *b = (const void *)peer;
    return a->sin6_port == b->sin6_port &&
           memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
}

/* A fresh socket for this address, bound to -s if given; -1 with errno and *context set. */
static int open_socket(const struct tc_probe_env *env, int family, const char **context)
{
    const struct tc_options *opt = env->opt;
    static const struct linger reset_on_close = {1, 0};
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);

    *context = "socket";
    if (fd < 0)
        return -1;
    /* RST instead of FIN: a probe must not leave TIME_WAIT sockets behind. */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close);
    if (opt->has_source) {
        int one = 1, saved;
#ifdef IP_BIND_ADDRESS_NO_PORT
        /* Choose the source port at connect(), so a sweep does not exhaust them at bind(). */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#else
        (void)one;
#endif
        if (bind(fd, (const struct sockaddr *)&opt->source, opt->source_len) != 0) {
            saved = errno;
            close(fd);
            errno = saved;
            *context = env->bind_context;
            return -1;
        }
    }
    return fd;
}

static bool grow_conns(struct tc_probe *p)
{
    size_t cap = p->conns_cap ? p->conns_cap * 2 : 2;
    struct tc_conn *c;

    if (p->nconns < p->conns_cap)
        return true;
    c = realloc(p->conns, cap * sizeof *c);
    if (c == NULL)
        return false;
    p->conns = c;
    p->conns_cap = cap;
    return true;
}

static void connected(struct tc_probe *p, struct tc_probe_env *env, int fd, size_t addr,
                      tc_usec started, tc_usec now, bool reset);

/* Start a connection to address `i`.  False when no socket can be had right now. */
static bool start_connection(struct tc_probe *p, struct tc_probe_env *env, size_t i, uint16_t port,
                             tc_usec now)
{
    struct sockaddr_storage dest = p->addrs->v[i];
    const char *context;
    int fd;

    if (env->sockets_in_use >= env->socket_budget || !grow_conns(p))
        return false;
    set_port(&dest, port);
    fd = open_socket(env, dest.ss_family, &context);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && env->sockets_in_use > 0) {
        env->socket_budget = env->sockets_in_use; /* the system's limit is lower than ours */
        return false;
    }
    if (fd < 0) {
        record_failure(p, TC_ERROR, errno, context, &dest);
        return true;
    }
    env->sockets_in_use++;
    if (connect(fd, (const struct sockaddr *)&dest, addr_len(&dest)) == 0) {
        connected(p, env, fd, i, now, now, false);
        return true;
    }
    if (errno != EINPROGRESS) {
        int err = errno;

        close_socket(env, fd);
        record_failure(p, state_of_errno(err), err, err == EADDRNOTAVAIL ? "connect" : NULL, &dest);
        return true;
    }
    p->conns[p->nconns++] = (struct tc_conn){.fd = fd, .addr = i, .started = now};
    return true;
}

static void start_due_connections(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    p->waiting_for_socket = false;
    while (p->phase == TC_PHASE_CONNECTING && p->next_addr < p->addrs->n &&
           (p->nconns == 0 || now >= p->next_start_at)) {
        size_t i = p->next_addr;

        if (!address_usable(env->opt, &p->addrs->v[i])) {
            p->next_addr++;
            continue;
        }
        if (!start_connection(p, env, i, p->res.port, now)) {
            p->waiting_for_socket = true;
            return;
        }
        p->next_addr++;
        p->next_start_at = now + CONNECTION_ATTEMPT_DELAY;
    }
}

static void step_resolving(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    switch (tc_lookup_status(p->lookup)) {
    case TC_LOOKUP_PENDING:
        if (now >= p->deadline)
            finish_unresolved(p, env, TC_RESOLVE_TIMEOUT, NULL);
        return;
    case TC_LOOKUP_FAILED:
        finish_unresolved(p, env, tc_lookup_failure(p->lookup), tc_lookup_text(p->lookup));
        return;
    case TC_LOOKUP_DONE:
        p->addrs = tc_lookup_addrs(p->lookup);
        if (count_usable(env->opt, p->addrs) == 0) {
            finish_unresolved(p, env, TC_RESOLVE_NOADDRESS, NULL);
            return;
        }
        p->phase = TC_PHASE_CONNECTING;
        p->next_start_at = now;
        return;
    }
}

void tc_probe_step(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    if (p->phase == TC_PHASE_RESOLVING)
        step_resolving(p, env, now);
    if (p->phase == TC_PHASE_CONNECTING) {
        if (now >= p->deadline) {
            finish_failed(p, env);
            return;
        }
        start_due_connections(p, env, now);
        if (p->phase == TC_PHASE_CONNECTING && p->nconns == 0 && p->next_addr >= p->addrs->n)
            finish_failed(p, env); /* every address failed before the deadline */
        return;
    }
    if (p->phase == TC_PHASE_EXCHANGING && now >= p->deadline) {
        p->res.mismatch = TC_MISMATCH_DEADLINE;
        finish(p, env, TC_MISMATCH);
    }
}

/* --- after connecting: -S and -E ------------------------------------------------------- */

static bool reply_matches(const struct tc_probe *p, const struct tc_options *opt)
{
    return tc_reply_matches(opt->expect, p->reply, p->res.reply_len);
}

static void exchange_failed(struct tc_probe *p, struct tc_probe_env *env,
                            enum tc_mismatch_reason why)
{
    p->res.mismatch = why;
    finish(p, env, TC_MISMATCH);
}

/* Send what is left of -S; then, without -E, the target is open. */
static void exchange_send(struct tc_probe *p, struct tc_probe_env *env)
{
    const struct tc_options *opt = env->opt;

    while (p->sent < opt->send_len) {
        ssize_t n = send(p->xfd, opt->send_data + p->sent, opt->send_len - p->sent, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0) {
            exchange_failed(p, env, errno == ECONNRESET ? TC_MISMATCH_RESET : TC_MISMATCH_CLOSED);
            return;
        }
        p->sent += (size_t)n;
    }
    if (opt->expect == NULL || reply_matches(p, opt))
        finish(p, env, TC_OPEN);
}

static void exchange_read(struct tc_probe *p, struct tc_probe_env *env)
{
    const struct tc_options *opt = env->opt;
    ssize_t n;

    do
        n = read(p->xfd, p->reply + p->res.reply_len, TC_REPLY_MAX - p->res.reply_len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n < 0) {
        exchange_failed(p, env, errno == ECONNRESET ? TC_MISMATCH_RESET : TC_MISMATCH_CLOSED);
        return;
    }
    if (n == 0) {
        exchange_failed(p, env, TC_MISMATCH_CLOSED);
        return;
    }
    p->res.reply_len += (size_t)n;
    if (reply_matches(p, opt))
        finish(p, env, TC_OPEN);
    else if (p->res.reply_len >= TC_REPLY_MAX)
        exchange_failed(p, env, TC_MISMATCH_FULL);
}

static void begin_exchange(struct tc_probe *p, struct tc_probe_env *env, int fd)
{
    if (env->opt->expect != NULL && p->reply == NULL) {
        p->reply = malloc(TC_REPLY_MAX);
        if (p->reply == NULL) {
            close_socket(env, fd);
            record_failure(p, TC_ERROR, ENOMEM, "reply buffer", NULL);
            finish(p, env, TC_ERROR);
            return;
        }
    }
    p->res.reply = p->reply;
    p->xfd = fd;
    p->phase = TC_PHASE_EXCHANGING;
    exchange_send(p, env);
}

/* The connection on `fd` to address `addr` is up: it wins the attempt. */
static void connected(struct tc_probe *p, struct tc_probe_env *env, int fd, size_t addr,
                      tc_usec started, tc_usec now, bool reset)
{
    struct sockaddr_storage dest = p->addrs->v[addr];

    set_port(&dest, p->res.port);
    if (connected_to_itself(fd, &dest)) {
        close_socket(env, fd);
        record_failure(p, TC_REFUSED, ECONNREFUSED, NULL, &dest);
        return;
    }
    close_conns(p, env); /* the losers of the race */
    p->res.has_address = true;
    p->res.address = dest;
    p->res.rtt = now - started;
    if (env->opt->send_len == 0 && env->opt->expect == NULL) {
        close_socket(env, fd);
        finish(p, env, TC_OPEN);
        return;
    }
    if (reset) { /* nothing can be sent or read any more: say why at once */
        close_socket(env, fd);
        p->res.reply = p->reply;
        exchange_failed(p, env, TC_MISMATCH_RESET);
        return;
    }
    begin_exchange(p, env, fd);
}

/* --- poll integration ------------------------------------------------------------------ */

size_t tc_probe_nfds(const struct tc_probe *p)
{
    if (p->phase == TC_PHASE_CONNECTING)
        return p->nconns;
    return p->phase == TC_PHASE_EXCHANGING ? 1 : 0;
}

size_t tc_probe_pollfds(const struct tc_probe *p, const struct tc_options *opt, struct pollfd *out,
                        size_t max)
{
    size_t i, n = 0;

    if (p->phase == TC_PHASE_CONNECTING) {
        for (i = 0; i < p->nconns && n < max; i++, n++)
            out[n] = (struct pollfd){.fd = p->conns[i].fd, .events = POLLOUT};
    } else if (p->phase == TC_PHASE_EXCHANGING && max > 0) {
        short events = p->sent < opt->send_len ? POLLOUT : POLLIN;

        out[n++] = (struct pollfd){.fd = p->xfd, .events = events};
    }
    return n;
}

static void remove_conn(struct tc_probe *p, size_t i)
{
    p->conns[i] = p->conns[--p->nconns];
}

/* A connecting socket became writable or failed: SO_ERROR says which. */
static void connection_answered(struct tc_probe *p, struct tc_probe_env *env, int fd, short revents,
                                tc_usec now)
{
    struct sockaddr_storage dest;
    socklen_t len = sizeof(int);
    struct tc_conn conn;
    int err = 0;
    size_t i;

    for (i = 0; i < p->nconns && p->conns[i].fd != fd; i++)
        ;
    if (i == p->nconns)
        return;
    conn = p->conns[i];
    remove_conn(p, i);
    /* Writable without an error condition is connected: SO_ERROR is only asked when poll saw
     * a failure, which saves a system call on every open port. */
    if ((revents & (POLLERR | POLLHUP)) && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    /* Only an established connection can be reset (a SYN answered by RST is ECONNREFUSED):
     * the peer accepted and aborted before this poll looked.  The port is open. */
    if (err == 0 || err == ECONNRESET) {
        connected(p, env, fd, conn.addr, conn.started, now, err == ECONNRESET);
        return;
    }
    dest = p->addrs->v[conn.addr];
    set_port(&dest, p->res.port);
    close_socket(env, fd);
    record_failure(p, state_of_errno(err), err, NULL, &dest);
    p->next_start_at = now; /* RFC 8305: a failure starts the next address at once */
}

void tc_probe_handle(struct tc_probe *p, struct tc_probe_env *env, const struct pollfd *fds,
                     size_t n, tc_usec now)
{
    size_t i;

    for (i = 0; i < n && p->phase == TC_PHASE_CONNECTING; i++)
        if (fds[i].revents != 0)
            connection_answered(p, env, fds[i].fd, fds[i].revents, now);
    if (p->phase == TC_PHASE_EXCHANGING && n > 0 && fds[0].fd == p->xfd && fds[0].revents) {
        if (p->sent < env->opt->send_len)
            exchange_send(p, env);
        else
            exchange_read(p, env);
    }
    tc_probe_step(p, env, now);
}

tc_usec tc_probe_wakeup(const struct tc_probe *p)
{
    tc_usec t = p->deadline;

    if (p->phase == TC_PHASE_CONNECTING && p->next_addr < (p->addrs ? p->addrs->n : 0) &&
        !p->waiting_for_socket && p->next_start_at < t)
        t = p->next_start_at;
    return t;
}

void tc_probe_abort(struct tc_probe *p, struct tc_probe_env *env)
{
    close_conns(p, env);
    if (p->xfd >= 0) {
        close_socket(env, p->xfd);
        p->xfd = -1;
    }
    tc_lookup_release(p->lookup);
    p->lookup = NULL;
    p->addrs = NULL;
}

void tc_probe_free(struct tc_probe *p, struct tc_probe_env *env)
{
    tc_probe_abort(p, env);
    free(p->conns);
    free(p->reply);
    p->conns = NULL;
    p->reply = NULL;
    p->conns_cap = 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe.c: one attempt at one HOST:PORT target.
 *
 * An attempt resolves the host (or takes its literal address), then connects Happy-Eyeballs
 * style (RFC 8305): the next address 250 ms after the previous one started, at once when every
 * started connection has failed, and sooner when the deadline leaves less, so that every address
 * gets its share of the time left: (deadline - now) / (addresses not started + 1).  The first
 * connection wins.  When the budget (-c) has no socket free for the next address, the addresses
 * share the deadline the same way: the oldest connection keeps its socket until its share is
 * over, then the socket goes to the next address (tcpcheck(1), STATES AND EXIT STATUS, "Happy
 * Eyeballs").  With -S/-E the winner then sends and reads until the reply matches.
 *
 * Through a proxy (-x) the addresses are the proxy's: the winner then does the handshake
 * (proxy.c) before -S/-E, and what the proxy says decides the state (tcpcheck(1), PROXIES).  A
 * unix: target has one address, its sockaddr_un; connect() answers it at once, except that a
 * full backlog (EAGAIN) gives no event to wait for: it is tried again every UNIX_RETRY until
 * the deadline (tcpcheck(1), TARGETS, "Unix sockets").
 *
 * Every socket is non-blocking and close-on-exec.  Only this file writes a probe's fields;
 * budget.c counts the sockets the probes hold against -c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "match.h"
#include "probe.h"

#define CONNECTION_ATTEMPT_DELAY 250000 /* RFC 8305 section 5 */
#define UNIX_RETRY 5000 /* a unix: socket whose backlog is full is tried this often */

/* ---- the sockets an attempt holds (budget.h counts them) ---- */

static size_t sockets_held(const struct tc_probe *p)
{
    return p->nconns + (p->xfd >= 0);
}

/* Close a socket p still counts as held (so call before dropping it from conns or xfd). */
static void close_held(const struct tc_probe *p, struct tc_probe_env *env, int fd)
{
    close(fd);
    tc_probe_env_closed(env, sockets_held(p));
}

/* ---- failures and the end of an attempt ---- */

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

/* The same for a unix: socket (tcpcheck(1), TARGETS, "Unix sockets"): nothing accepting or no
 * such file is refused; no permission, and anything else, is an error. */
static enum tc_state state_of_unix_errno(int err)
{
    switch (err) {
    case ECONNREFUSED:
    case ENOENT:
    case ENOTDIR:
        return TC_REFUSED;
    default:
        return TC_ERROR;
    }
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Address i of the attempt, with the port to connect to (the target's or the proxy's). */
static struct sockaddr_storage destination(const struct tc_probe *p, size_t i)
{
    struct sockaddr_storage dest = p->addrs->v[i];
    set_port(&dest, p->connect_port);
    return dest;
}

/* A failure of one address.  Through a proxy the address is the proxy's, which is not the
 * target's address the result speaks of. */
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
    if (addr && !p->proxied) {
        p->res.has_address = true;
        p->res.address = *addr;
    }
}

static void close_conns(struct tc_probe *p, struct tc_probe_env *env)
{
    while (p->nconns > 0) {
        close_held(p, env, p->conns[p->nconns - 1].fd);
        p->nconns--;
    }
}

/* Unread bytes turn close() into a reset (RFC 2525, 2.17), so before a normal close the
 * exchange's socket is emptied of what the peer's reply left there (at most 64 kB, without
 * waiting).  Not after a plain connect: a banner rarely arrives that soon, and a banner that
 * arrives after the close draws a reset whatever we do. */
static void drain_unread(const struct tc_options *opt, int fd)
{
    if (opt->reset_close || (opt->send_len == 0 && !opt->expect))
        return;
    unsigned char scratch[4096];
    for (int i = 0; i < 16 && recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; i++)
        continue;
}

/* Let go of every socket, the lookups and the base unit. */
static void release(struct tc_probe *p, struct tc_probe_env *env)
{
    close_conns(p, env);
    if (p->xfd >= 0) {
        drain_unread(env->opt, p->xfd);
        close_held(p, env, p->xfd);
        p->xfd = -1;
    }
    if (p->tunnel)
        tc_tunnel_reset(p->tunnel); /* wipes what it had yet to send */
    tc_lookup_release(p->lookup);
    tc_lookup_release(p->target_lookup);
    p->lookup = NULL;
    p->target_lookup = NULL;
    p->addrs = NULL;
    p->target_addrs = NULL;
    if (p->holds_unit)
        tc_probe_env_give_unit(env);
    p->holds_unit = false;
}

/* The attempt has its answer: let go of everything it holds and say which. */
static void finish(struct tc_probe *p, struct tc_probe_env *env, enum tc_state s)
{
    release(p, env);
    p->res.state = s;
    p->phase = TC_PHASE_DONE;
}

static void finish_unresolved(struct tc_probe *p, struct tc_probe_env *env,
                              enum tc_resolve_failure why, const char *text)
{
    p->res.resolve_failure = why;
    p->res.resolve_text = text;
    finish(p, env, TC_UNRESOLVED);
}

/* What is connected to has no address: the target is unresolved, or the proxy is (which is an
 * error: the target was not tested). */
static void finish_connect_unresolved(struct tc_probe *p, struct tc_probe_env *env,
                                      enum tc_resolve_failure why, const char *text)
{
    if (!p->proxied) {
        finish_unresolved(p, env, why, text);
        return;
    }
    p->res.proxy = TC_PROXY_UNRESOLVED;
    p->res.resolve_failure = why;
    p->res.resolve_text = text;
    finish(p, env, TC_ERROR);
}

/* The index of the connection started last (the address a timeout names). */
static size_t newest_conn(const struct tc_probe *p)
{
    size_t newest = 0;
    for (size_t i = 1; i < p->nconns; i++)
        if (p->conns[i].started > p->conns[newest].started)
            newest = i;
    return newest;
}

/* No connection made it: the most telling failure seen, else a timeout.  An attempt that never
 * got a socket (the system ran out of descriptors) says so rather than claim a timeout. */
static void finish_failed(struct tc_probe *p, struct tc_probe_env *env)
{
    if (p->nconns > 0) {
        struct sockaddr_storage dest = destination(p, p->conns[newest_conn(p)].addr);
        record_failure(p, TC_TIMEOUT, 0, NULL, &dest);
    }
    if (p->fail_rank == RANK_NONE && p->waiting_for_socket)
        record_failure(p, TC_ERROR, EMFILE, "socket", NULL);
    if (p->fail_rank == RANK_NONE)
        record_failure(p, TC_TIMEOUT, 0, NULL, NULL);
    if (p->proxied) { /* no connection to the proxy: the target was not tested */
        p->res.proxy = TC_PROXY_CONNECT;
        if (p->res.state == TC_TIMEOUT)
            p->res.sys_errno = 0;
        finish(p, env, TC_ERROR);
        return;
    }
    finish(p, env, p->res.state);
}

/* ---- starting an attempt ---- */

void tc_probe_init(struct tc_probe *p)
{
    memset(p, 0, sizeof *p);
    p->xfd = -1;
}

/* A fresh attempt that holds its base unit and nothing else yet. */
static void reset_attempt(struct tc_probe *p, struct tc_probe_env *env, const struct tc_attempt *a)
{
    static const struct tc_addrs none = {0, NULL};

    release(p, env); /* nothing, unless the caller reuses a probe it did not let go of */
    const struct tc_proxy *proxy = env->opt->proxy;
    p->start = a->now;
    p->deadline = a->deadline;
    p->holds_unit = true;
    tc_probe_env_take_unit(env);
    p->addrs = &none;
    p->connect_port = proxy ? proxy->port : a->port;
    p->next_addr = 0;
    p->next_start_at = a->now;
    p->waiting_for_socket = false;
    p->backlog_full = false;
    p->proxied = proxy != NULL;
    p->target_name = a->target_name;
    p->target_addrs = a->target_addrs;
    p->target_lookup = a->target_lookup;
    p->sent = 0;
    p->fail_rank = RANK_NONE;
    p->res = (struct tc_result){.port = a->port,
                                .state = TC_TIMEOUT,
                                .rtt = -1,
                                .deadline_text = a->deadline_text,
                                .reply = p->reply,
                                .proxy_code = -1};
}

static void begin_connecting(struct tc_probe *p, struct tc_probe_env *env, tc_usec now);

/* The attempt starts connecting at once for a literal host, or waits for the lookups. */
void tc_probe_begin(struct tc_probe *p, struct tc_probe_env *env, const struct tc_attempt *a)
{
    reset_attempt(p, env, a);
    if (a->addrs)
        p->addrs = a->addrs;
    if (a->lookup || a->target_lookup) {
        p->lookup = a->lookup;
        p->phase = TC_PHASE_RESOLVING;
        return;
    }
    begin_connecting(p, env, a->now);
}

void tc_probe_fail(struct tc_probe *p, struct tc_probe_env *env, const struct tc_attempt *a,
                   int err, const char *context)
{
    reset_attempt(p, env, a);
    tc_lookup_release(a->lookup);
    record_failure(p, TC_ERROR, err, context, NULL);
    finish(p, env, TC_ERROR);
}

/* ---- which addresses ---- */

/* Is this address one the options allow (-4/-6, the family of -s)?  A unix: socket's always is:
 * they do not concern it. */
static bool address_usable(const struct tc_options *opt, const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_UNIX)
        return true;
    if (opt->family != AF_UNSPEC && ss->ss_family != opt->family)
        return false;
    if (opt->has_source && ss->ss_family != opt->source.ss_family)
        return false;
    return ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
}

/* Usable addresses from index `from` on. */
static size_t count_usable(const struct tc_options *opt, const struct tc_addrs *a, size_t from)
{
    size_t n = 0;
    for (size_t i = from; i < a->n; i++)
        n += address_usable(opt, &a->v[i]);
    return n;
}

/* Move next_addr to the next usable address; false when none is left. */
static bool next_usable(struct tc_probe *p, const struct tc_options *opt)
{
    while (p->next_addr < p->addrs->n && !address_usable(opt, &p->addrs->v[p->next_addr]))
        p->next_addr++;
    return p->next_addr < p->addrs->n;
}

/* The share of the time left that an address started now may count on, when the addresses
 * from index `after` on are still to start: each of them gets as much. */
static tc_usec share_of_time_left(const struct tc_probe *p, const struct tc_options *opt,
                                  size_t after, tc_usec now)
{
    size_t waiting = count_usable(opt, p->addrs, after);
    tc_usec left = p->deadline > now ? p->deadline - now : 0;
    return left / (tc_usec)(waiting + 1);
}

/* ---- connecting ---- */

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(un->sun_path) + 1);
    }
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
    if (local.ss_family != peer->ss_family || local.ss_family == AF_UNIX)
        return false;
    if (local.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)&local, *b = (const void *)peer;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *a = (const void *)&local, *b = (const void *)peer;
    return a->sin6_port == b->sin6_port &&
           memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
}

/* How a probe's connection ends (tcpcheck(1), OPTIONS, -R): by default a normal close (FIN), as
 * nc -z, /dev/tcp and kubelet close, so servers log nothing; with -R a reset (SO_LINGER 0),
 * which leaves no TIME_WAIT socket here.  Set on every socket, so a losing Happy-Eyeballs
 * connection that got through ends the same way. */
static void set_close_mode(const struct tc_options *opt, int fd)
{
    static const struct linger reset_on_close = {1, 0};
    if (opt->reset_close)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close);
}

/* A fresh socket for this family, bound to -s if given; -1 with errno and *context set. */
static int open_socket(const struct tc_probe_env *env, int family, const char **context)
{
    const struct tc_options *opt = env->opt;
    int protocol = family == AF_UNIX ? 0 : IPPROTO_TCP;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    *context = "socket";
    if (fd < 0)
        return -1;
    if (family != AF_UNIX) /* a unix: socket has no reset, and no TIME_WAIT */
        set_close_mode(opt, fd);
    if (opt->has_source) {
#ifdef IP_BIND_ADDRESS_NO_PORT
        /* Choose the source port at connect(), so a sweep does not exhaust them at bind(). */
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
        if (bind(fd, (const struct sockaddr *)&opt->source, opt->source_len) != 0) {
            int saved = errno;
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
    if (p->nconns < p->conns_cap)
        return true;
    size_t cap = p->conns_cap ? p->conns_cap * 2 : 2;
    struct tc_conn *c = realloc(p->conns, cap * sizeof *c);
    if (!c)
        return false;
    p->conns = c;
    p->conns_cap = cap;
    return true;
}

static void connected(struct tc_probe *p, struct tc_probe_env *env, struct tc_conn conn,
                      tc_usec now, bool reset);
static void connection_answered(struct tc_probe *p, struct tc_probe_env *env, int fd, short revents,
                                tc_usec now);

/* Ping mode: a connect on loopback or a LAN is often answered before connect() returns, so
 * its answer is looked for at once; the time then holds no work of the loop's (tcpcheck(1),
 * PING MODE).  Not otherwise: a sweep would pay a system call per port for it. */
static void look_at_once(struct tc_probe *p, struct tc_probe_env *env, int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    if (poll(&pfd, 1, 0) == 1)
        connection_answered(p, env, fd, pfd.revents, tc_now());
}

/* Start a connection to address i (a socket may be opened).  False when the system is out of
 * descriptors for now: the address waits. */
static bool start_connection(struct tc_probe *p, struct tc_probe_env *env, size_t i, tc_usec now)
{
    struct sockaddr_storage dest = destination(p, i);
    const char *context;
    if (!grow_conns(p)) {
        record_failure(p, TC_ERROR, ENOMEM, "socket", &dest);
        return true;
    }
    int fd = open_socket(env, dest.ss_family, &context);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && tc_probe_env_out_of_descriptors(env))
        return false;
    if (fd < 0) {
        record_failure(p, TC_ERROR, errno, context, &dest);
        return true;
    }
    tc_probe_env_opened(env, sockets_held(p));
    /* The connect time is measured from a fresh reading taken right before connect() to the
     * one taken right after poll() saw the answer, never from the loop's own "now", which can
     * be older by the work done since (ping mode's times must be right). */
    struct tc_conn conn = {.fd = fd, .addr = i, .started = tc_now()};
    conn.share_end = now + share_of_time_left(p, env->opt, i + 1, now);
    p->conns[p->nconns++] = conn;
    p->backlog_full = false;
    if (connect(fd, (const struct sockaddr *)&dest, addr_len(&dest)) == 0) {
        p->nconns--;
        connected(p, env, conn, tc_now(), false);
        return true;
    }
    if (errno != EINPROGRESS) {
        int err = errno;
        close_held(p, env, fd);
        p->nconns--;
        if (dest.ss_family != AF_UNIX)
            record_failure(p, state_of_errno(err), err, err == EADDRNOTAVAIL ? "connect" : NULL,
                           &dest);
        else if (err == EAGAIN) /* its backlog is full: the caller tries again shortly */
            p->backlog_full = true;
        else
            record_failure(p, state_of_unix_errno(err), err, NULL, NULL);
        return true;
    }
    if (env->opt->ping)
        look_at_once(p, env, fd);
    return true;
}

/* The oldest connection whose share of the deadline is over gives its socket up; its address
 * counts as timed out.  False when every connection is still within its share. */
static bool give_up_oldest(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    size_t oldest = 0;
    for (size_t i = 1; i < p->nconns; i++)
        if (p->conns[i].share_end < p->conns[oldest].share_end)
            oldest = i;
    if (p->nconns == 0 || p->conns[oldest].share_end > now)
        return false;
    struct sockaddr_storage dest = destination(p, p->conns[oldest].addr);
    close_held(p, env, p->conns[oldest].fd);
    p->conns[oldest] = p->conns[--p->nconns];
    record_failure(p, TC_TIMEOUT, 0, NULL, &dest);
    return true;
}

/* A socket for the next address: a free one, else one whose address's share is over. */
static bool make_room(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    while (!tc_probe_env_may_open(env, sockets_held(p)))
        if (!give_up_oldest(p, env, now))
            return false;
    return true;
}

static void start_due_connections(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    p->waiting_for_socket = false;
    while (p->phase == TC_PHASE_CONNECTING && next_usable(p, env->opt)) {
        if ((p->nconns > 0 || p->backlog_full) && now < p->next_start_at)
            return;
        size_t before = p->nconns;
        if (!make_room(p, env, now) || !start_connection(p, env, p->next_addr, now)) {
            p->waiting_for_socket = true;
            return;
        }
        if (p->phase != TC_PHASE_CONNECTING) /* connected at once (a unix: socket) */
            return;
        if (p->backlog_full) { /* the same address again, later (nothing polls for it) */
            p->next_start_at = now + UNIX_RETRY;
            return;
        }
        p->next_addr++;
        tc_usec delay = share_of_time_left(p, env->opt, p->next_addr, now);
        if (delay > CONNECTION_ATTEMPT_DELAY)
            delay = CONNECTION_ATTEMPT_DELAY;
        /* RFC 8305: a connection that failed at once starts the next address at once. */
        p->next_start_at = p->nconns > before ? now + delay : now;
    }
}

static void step_connecting(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    if (now >= p->deadline) {
        if (p->backlog_full) /* "timed out: the backlog stayed full" */
            record_failure(p, TC_TIMEOUT, EAGAIN, NULL, NULL);
        finish_failed(p, env);
        return;
    }
    start_due_connections(p, env, now);
    if (p->phase == TC_PHASE_CONNECTING && p->nconns == 0 && !p->waiting_for_socket &&
        !next_usable(p, env->opt))
        finish_failed(p, env); /* every address failed before the deadline */
}

/* -x: the target's address to send, when there is one: the first of the asked family for
 * socks5:// (curl sends the first too; -4/-6 choose the family), a literal's own otherwise
 * (tcpcheck(1), PROXIES).  False when the attempt ended: the name has no such address. */
static bool choose_target_address(struct tc_probe *p, struct tc_probe_env *env)
{
    const struct tc_options *opt = env->opt;
    if (!p->target_addrs)
        return true; /* the name goes to the proxy */
    bool socks5 = opt->proxy->kind == TC_PROXY_SOCKS5;
    for (size_t i = 0; i < p->target_addrs->n; i++) {
        const struct sockaddr_storage *ss = &p->target_addrs->v[i];
        if (socks5 && opt->family != AF_UNSPEC && ss->ss_family != opt->family)
            continue;
        p->res.has_address = true;
        p->res.address = *ss;
        return true;
    }
    finish_unresolved(p, env, TC_RESOLVE_NOADDRESS, NULL);
    return false;
}

/* The addresses are known: connect, unless none is of a usable family (then the name has no
 * address for us: unresolved, never a 0 ms timeout). */
static void begin_connecting(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    if (count_usable(env->opt, p->addrs, 0) == 0) {
        finish_connect_unresolved(p, env, TC_RESOLVE_NOADDRESS, NULL);
        return;
    }
    if (p->proxied && !choose_target_address(p, env))
        return;
    p->phase = TC_PHASE_CONNECTING;
    p->next_start_at = now;
    step_connecting(p, env, now);
}

/* Has the lookup of what is connected to (the target, or the proxy) given its addresses?
 * Ends the attempt when it failed. */
static bool have_connect_addresses(struct tc_probe *p, struct tc_probe_env *env)
{
    if (!p->lookup)
        return true;
    switch (tc_lookup_status(p->lookup)) {
    case TC_LOOKUP_PENDING:
        return false;
    case TC_LOOKUP_FAILED:
        finish_connect_unresolved(p, env, tc_lookup_failure(p->lookup), tc_lookup_text(p->lookup));
        return false;
    case TC_LOOKUP_DONE:
        break;
    }
    p->addrs = tc_lookup_addrs(p->lookup);
    return true;
}

/* -x socks5://: has the target's own lookup given its addresses?  Ends the attempt when it
 * failed: the target is unresolved, whatever the proxy. */
static bool have_target_addresses(struct tc_probe *p, struct tc_probe_env *env)
{
    if (!p->target_lookup)
        return true;
    switch (tc_lookup_status(p->target_lookup)) {
    case TC_LOOKUP_PENDING:
        return false;
    case TC_LOOKUP_FAILED:
        finish_unresolved(p, env, tc_lookup_failure(p->target_lookup),
                          tc_lookup_text(p->target_lookup));
        return false;
    case TC_LOOKUP_DONE:
        break;
    }
    p->target_addrs = tc_lookup_addrs(p->target_lookup);
    return true;
}

/* The lookups run side by side; the first failure ends the attempt.  At the deadline the proxy's
 * unfinished lookup is named first: without it nothing could have been tested. */
static void step_resolving(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    bool target = have_target_addresses(p, env);
    if (p->phase == TC_PHASE_DONE)
        return;
    bool connect_to = have_connect_addresses(p, env);
    if (p->phase == TC_PHASE_DONE)
        return;
    if (target && connect_to)
        begin_connecting(p, env, now);
    else if (now >= p->deadline && !connect_to)
        finish_connect_unresolved(p, env, TC_RESOLVE_TIMEOUT, NULL);
    else if (now >= p->deadline)
        finish_unresolved(p, env, TC_RESOLVE_TIMEOUT, NULL);
}

/* ---- after connecting: -S and -E ---- */

static void exchange_failed(struct tc_probe *p, struct tc_probe_env *env,
                            enum tc_mismatch_reason why)
{
    p->res.mismatch = why;
    p->res.send_failed = p->sent < env->opt->send_len;
    finish(p, env, TC_MISMATCH);
}

static bool reply_matches(const struct tc_probe *p, const struct tc_options *opt)
{
    return tc_reply_matches(opt->expect, p->reply, p->res.reply_len);
}

static enum tc_mismatch_reason reason_of_errno(int err)
{
    return err == ECONNRESET ? TC_MISMATCH_RESET : TC_MISMATCH_CLOSED;
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
            exchange_failed(p, env, reason_of_errno(errno));
            return;
        }
        p->sent += (size_t)n;
    }
    if (!opt->expect || reply_matches(p, opt))
        finish(p, env, TC_OPEN);
}

static void exchange_read(struct tc_probe *p, struct tc_probe_env *env)
{
    ssize_t n;
    do
        n = read(p->xfd, p->reply + p->res.reply_len, TC_REPLY_MAX - p->res.reply_len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        exchange_failed(p, env, n < 0 ? reason_of_errno(errno) : TC_MISMATCH_CLOSED);
        return;
    }
    p->res.reply_len += (size_t)n;
    if (reply_matches(p, env->opt))
        finish(p, env, TC_OPEN);
    else if (p->res.reply_len >= TC_REPLY_MAX)
        exchange_failed(p, env, TC_MISMATCH_FULL);
}

static void step_exchanging(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    if (now < p->deadline)
        return;
    bool sending = p->sent < env->opt->send_len;
    exchange_failed(p, env, sending ? TC_MISMATCH_SEND_DEADLINE : TC_MISMATCH_DEADLINE);
}

/* The winner's socket (xfd) becomes the exchange's.  `early` holds what the target sent that
 * was read with a proxy's reply: the start of the reply -E looks at. */
static void begin_exchange(struct tc_probe *p, struct tc_probe_env *env, const unsigned char *early,
                           size_t n)
{
    p->phase = TC_PHASE_EXCHANGING;
    if (env->opt->expect && !p->reply) {
        p->reply = malloc(TC_REPLY_MAX);
        if (!p->reply) {
            record_failure(p, TC_ERROR, ENOMEM, "reply buffer", NULL);
            finish(p, env, TC_ERROR);
            return;
        }
    }
    p->res.reply = p->reply;
    if (env->opt->expect && n > 0) {
        p->res.reply_len = n < TC_REPLY_MAX ? n : TC_REPLY_MAX;
        memcpy(p->reply, early, p->res.reply_len);
    }
    exchange_send(p, env);
}

/* ---- through a proxy (-x) ---- */

/* The handshake ended without a tunnel: the proxy's answer decides (proxy.c). */
static void tunnel_failed(struct tc_probe *p, struct tc_probe_env *env)
{
    const struct tc_tunnel *t = p->tunnel;
    p->res.proxy = t->reason;
    p->res.proxy_code = t->code;
    p->res.sys_errno = t->sys_errno;
    p->res.proxy_text = t->in;
    p->res.proxy_text_len = t->text_len;
    if (t->reason == TC_PROXY_NONE) /* out of memory here */
        p->res.error_context = "proxy handshake";
    finish(p, env, t->state);
}

/* The tunnel is up: the connection now reaches the target.  rtt counts until then. */
static void tunnel_up(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    p->res.rtt = now - p->tunnel_started;
    if (env->opt->send_len == 0 && !env->opt->expect) {
        finish(p, env, TC_OPEN);
        return;
    }
    size_t n;
    const unsigned char *early = tc_tunnel_rest(p->tunnel, &n);
    begin_exchange(p, env, early, n);
}

static void advance_tunnel(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    p->tunnel_want = tc_tunnel_advance(p->tunnel, p->xfd);
    if (p->tunnel_want == TC_TUNNEL_UP)
        tunnel_up(p, env, now);
    else if (p->tunnel_want == TC_TUNNEL_FAILED)
        tunnel_failed(p, env);
}

/* Connected to the proxy (xfd): ask it for the target. */
static void begin_tunnel(struct tc_probe *p, struct tc_probe_env *env, tc_usec started, tc_usec now)
{
    p->phase = TC_PHASE_TUNNELING;
    p->tunnel_started = started;
    const struct sockaddr_storage *addr = p->res.has_address ? &p->res.address : NULL;
    if (!p->tunnel && (p->tunnel = malloc(sizeof *p->tunnel)))
        *p->tunnel = (struct tc_tunnel){.code = -1};
    if (!p->tunnel ||
        !tc_tunnel_begin(p->tunnel, env->opt->proxy, p->target_name, addr, p->res.port)) {
        record_failure(p, TC_ERROR, ENOMEM, "proxy handshake", NULL);
        finish(p, env, TC_ERROR);
        return;
    }
    advance_tunnel(p, env, now);
}

static void step_tunneling(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    if (now < p->deadline)
        return;
    tc_tunnel_expire(p->tunnel);
    tunnel_failed(p, env);
}

/* `conn` (already out of conns, its socket still counted as held) is up: it wins the attempt.
 * `reset`: the peer accepted and reset before we looked. */
static void connected(struct tc_probe *p, struct tc_probe_env *env, struct tc_conn conn,
                      tc_usec now, bool reset)
{
    struct sockaddr_storage dest = destination(p, conn.addr);
    p->xfd = conn.fd; /* held while the losers close */
    if (connected_to_itself(conn.fd, &dest)) {
        close_held(p, env, conn.fd);
        p->xfd = -1;
        record_failure(p, TC_REFUSED, ECONNREFUSED, NULL, &dest);
        p->next_start_at = now;
        return;
    }
    close_conns(p, env); /* the losers of the race */
    if (p->proxied) {
        if (reset) { /* the proxy accepted and reset before a word was said */
            p->res.proxy = TC_PROXY_CLOSED;
            p->res.sys_errno = ECONNRESET;
            finish(p, env, TC_ERROR);
            return;
        }
        begin_tunnel(p, env, conn.started, now);
        return;
    }
    p->res.has_address = true;
    p->res.address = dest;
    p->res.rtt = now - conn.started;
    if (env->opt->send_len == 0 && !env->opt->expect) {
        finish(p, env, TC_OPEN);
        return;
    }
    if (reset) { /* nothing can be sent or read any more: say why at once */
        close_held(p, env, p->xfd);
        p->xfd = -1;
        exchange_failed(p, env, TC_MISMATCH_RESET);
        return;
    }
    begin_exchange(p, env, NULL, 0);
}

/* ---- poll integration ---- */

void tc_probe_step(struct tc_probe *p, struct tc_probe_env *env, tc_usec now)
{
    switch (p->phase) {
    case TC_PHASE_RESOLVING:
        step_resolving(p, env, now);
        return;
    case TC_PHASE_CONNECTING:
        step_connecting(p, env, now);
        return;
    case TC_PHASE_TUNNELING:
        step_tunneling(p, env, now);
        return;
    case TC_PHASE_EXCHANGING:
        step_exchanging(p, env, now);
        return;
    case TC_PHASE_IDLE:
    case TC_PHASE_DONE:
        return;
    }
}

size_t tc_probe_pollfds(const struct tc_probe *p, const struct tc_probe_env *env,
                        struct pollfd *out, size_t max)
{
    size_t n = 0;
    if (p->phase == TC_PHASE_CONNECTING) {
        for (size_t i = 0; i < p->nconns && n < max; i++, n++)
            out[n] = (struct pollfd){.fd = p->conns[i].fd, .events = POLLOUT};
    } else if (p->phase == TC_PHASE_TUNNELING && max > 0) {
        short events = p->tunnel_want == TC_TUNNEL_WRITE ? POLLOUT : POLLIN;
        out[n++] = (struct pollfd){.fd = p->xfd, .events = events};
    } else if (p->phase == TC_PHASE_EXCHANGING && max > 0) {
        short events = p->sent < env->opt->send_len ? POLLOUT : POLLIN;
        out[n++] = (struct pollfd){.fd = p->xfd, .events = events};
    }
    return n;
}

/* A connecting socket became writable or failed: SO_ERROR says which. */
static void connection_answered(struct tc_probe *p, struct tc_probe_env *env, int fd, short revents,
                                tc_usec now)
{
    size_t i = 0;
    while (i < p->nconns && p->conns[i].fd != fd)
        i++;
    if (i == p->nconns)
        return;
    struct tc_conn conn = p->conns[i];
    /* Writable without an error condition is connected: SO_ERROR is only asked when poll saw
     * a failure, which saves a system call on every open port. */
    int err = 0;
    socklen_t len = sizeof err;
    if ((revents & (POLLERR | POLLHUP)) && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    /* Only an established connection can be reset (a SYN answered by RST is ECONNREFUSED):
     * the peer accepted and aborted before this poll looked.  The port is open. */
    if (err == 0 || err == ECONNRESET) {
        p->conns[i] = p->conns[--p->nconns];
        connected(p, env, conn, now, err == ECONNRESET);
        return;
    }
    struct sockaddr_storage dest = destination(p, conn.addr);
    close_held(p, env, fd);
    p->conns[i] = p->conns[--p->nconns];
    record_failure(p, state_of_errno(err), err, NULL, &dest);
    p->next_start_at = now; /* RFC 8305: a failure starts the next address at once */
}

void tc_probe_handle(struct tc_probe *p, struct tc_probe_env *env, const struct pollfd *fds,
                     size_t n, tc_usec now)
{
    /* What poll saw belongs to the phase the descriptors were given for: a connection that just
     * won has already sent (or tried to read) what it could. */
    enum tc_probe_phase polled = p->phase;
    for (size_t i = 0; i < n && p->phase == TC_PHASE_CONNECTING; i++)
        if (fds[i].revents != 0)
            connection_answered(p, env, fds[i].fd, fds[i].revents, now);
    bool ready = polled == p->phase && n > 0 && fds[0].fd == p->xfd && fds[0].revents;
    if (ready && p->phase == TC_PHASE_TUNNELING)
        advance_tunnel(p, env, now);
    else if (ready && p->phase == TC_PHASE_EXCHANGING && p->sent < env->opt->send_len)
        exchange_send(p, env);
    else if (ready && p->phase == TC_PHASE_EXCHANGING)
        exchange_read(p, env);
    tc_probe_step(p, env, now);
}

tc_usec tc_probe_wakeup(const struct tc_probe *p)
{
    tc_usec t = p->deadline;
    if (p->phase != TC_PHASE_CONNECTING || p->next_addr >= p->addrs->n)
        return t;
    if (!p->waiting_for_socket)
        return p->next_start_at < t ? p->next_start_at : t;
    for (size_t i = 0; i < p->nconns; i++) /* a share that ends frees a socket */
        if (p->conns[i].share_end < t)
            t = p->conns[i].share_end;
    return t;
}

bool tc_probe_done(const struct tc_probe *p)
{
    return p->phase == TC_PHASE_DONE;
}

const struct tc_result *tc_probe_result(const struct tc_probe *p)
{
    return &p->res;
}

bool tc_result_ran_out_of_time(const struct tc_result *r)
{
    switch (r->state) {
    case TC_TIMEOUT:
        return !(r->proxy == TC_PROXY_ANSWER && r->proxy_code >= 0); /* not SOCKS5 reply 6 */
    case TC_UNRESOLVED:
        return r->resolve_failure == TC_RESOLVE_TIMEOUT;
    case TC_ERROR:
        return r->proxy == TC_PROXY_SILENT || (r->proxy == TC_PROXY_CONNECT && r->sys_errno == 0) ||
               (r->proxy == TC_PROXY_UNRESOLVED && r->resolve_failure == TC_RESOLVE_TIMEOUT);
    default:
        return false;
    }
}

void tc_probe_abort(struct tc_probe *p, struct tc_probe_env *env)
{
    release(p, env);
    p->phase = TC_PHASE_IDLE;
}

void tc_probe_free(struct tc_probe *p, struct tc_probe_env *env)
{
    tc_probe_abort(p, env);
    if (p->tunnel)
        tc_tunnel_free(p->tunnel);
    free(p->tunnel);
    p->tunnel = NULL;
    free(p->conns);
    free(p->reply);
    p->conns = NULL;
    p->reply = NULL;
    p->conns_cap = 0;
}

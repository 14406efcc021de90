/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resolve.c: name resolution with c-ares, driven from the engine's own poll loop.
 *
 * No thread and no blocking call: c-ares tells which of its sockets to watch through its
 * socket-state callback (ARES_OPT_SOCK_STATE_CB), they join the engine's pollfd set, so the
 * attempt's deadline holds and an interrupt stops a lookup at once.  A lookup is shared by the
 * targets of one host and is reference-counted; one that nobody wants any more but that c-ares
 * has not finished is freed by its own callback.
 *
 * A nameserver that refuses (nothing listens on its port 53: ICMP port unreachable) is seen
 * through c-ares' socket functions, which we supply.  c-ares 1.18 moves every query off a server
 * when recvfrom() fails with ECONNREFUSED, but the A and AAAA queries go out back to back on one
 * socket, and the error usually comes back to the second send() instead: that query moves on,
 * and the first one waits for its timeout (1.7 s of -w 5, before trying the next server).  So a
 * refusal seen by send() is handed to c-ares once more as a read error on the same socket, where
 * it moves every query at once.  And we note every refusal per server: once every server has
 * refused since it last answered, the pending lookups are cancelled and reported in
 * getaddrinfo's EAI_AGAIN words, "Temporary failure in name resolution" (tcpcheck(1), NAME
 * RESOLUTION).
 */
#define _GNU_SOURCE /* ares.h needs fd_set and struct timeval */
#include <ares.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "resolve.h"

#define NO_SERVER ((size_t)-1)

/* One socket of c-ares: what it waits for, and which nameserver it talks to. */
struct csock {
    int fd;
    short events;        /* POLLIN/POLLOUT from the socket-state callback; 0: not watched */
    size_t server;       /* index into servers, or NO_SERVER */
    bool refusal_unread; /* send() saw ECONNREFUSED: c-ares' reader has yet to */
};

struct nameserver {
    int family;
    unsigned char addr[16];
    bool refused; /* since it last answered */
};

struct tc_resolver {
    ares_channel channel;
    bool dns_used; /* nsswitch.conf sends a hosts-file miss to DNS */
    struct csock *socks;
    size_t nsocks, socks_cap;
    struct nameserver *servers;
    size_t nservers;
    size_t refusing; /* servers that refused since they last answered */
    size_t pending;  /* lookups c-ares is working on */
    bool cancelling; /* in ares_cancel(): a cancelled lookup was refused */
    int refusal_fd;  /* the socket whose next read reports a refusal send() saw, or -1 */
};

struct tc_lookup {
    struct tc_resolver *owner;
    unsigned refs;
    enum tc_lookup_status status;
    struct tc_addrs addrs;
    enum tc_resolve_failure failure;
    const char *text; /* static words: ares_strerror() or ours */
};

/* ---- c-ares' sockets ---- */

static struct csock *find_sock(struct tc_resolver *r, int fd)
{
    for (size_t i = 0; i < r->nsocks; i++)
        if (r->socks[i].fd == fd)
            return &r->socks[i];
    return NULL;
}

static bool add_sock(struct tc_resolver *r, int fd)
{
    if (r->nsocks == r->socks_cap) {
        size_t cap = r->socks_cap ? r->socks_cap * 2 : 4;
        struct csock *s = realloc(r->socks, cap * sizeof *s);
        if (!s)
            return false;
        r->socks = s;
        r->socks_cap = cap;
    }
    r->socks[r->nsocks++] = (struct csock){.fd = fd, .events = 0, .server = NO_SERVER};
    return true;
}

static void remove_sock(struct tc_resolver *r, int fd)
{
    struct csock *s = find_sock(r, fd);
    if (s)
        *s = r->socks[--r->nsocks];
}

/* ARES_OPT_SOCK_STATE_CB: c-ares wants fd watched for reading and/or writing, or (0, 0) not. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct csock *s = find_sock(data, fd);
    if (s)
        s->events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
}

/* ---- nameservers that refuse ---- */

static size_t server_of(const struct tc_resolver *r, const struct sockaddr *sa)
{
    const void *addr = NULL;
    size_t len = 0;
    if (sa->sa_family == AF_INET) {
        addr = &((const struct sockaddr_in *)sa)->sin_addr;
        len = 4;
    } else if (sa->sa_family == AF_INET6) {
        addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        len = 16;
    }
    for (size_t i = 0; addr && i < r->nservers; i++)
        if (r->servers[i].family == sa->sa_family && memcmp(r->servers[i].addr, addr, len) == 0)
            return i;
    return NO_SERVER;
}

static void note_server(struct tc_resolver *r, int fd, bool refused)
{
    struct csock *s = find_sock(r, fd);
    if (!s || s->server == NO_SERVER || r->servers[s->server].refused == refused)
        return;
    r->servers[s->server].refused = refused;
    if (refused)
        r->refusing++;
    else
        r->refusing--;
}

static void forget_refusals(struct tc_resolver *r)
{
    for (size_t i = 0; i < r->nservers; i++)
        r->servers[i].refused = false;
    r->refusing = 0;
}

/* Hand c-ares, as a read error, each refusal that a send() saw (see the top of this file). */
static void deliver_refusals(struct tc_resolver *r)
{
    for (;;) {
        struct csock *s = NULL;
        for (size_t i = 0; i < r->nsocks && !s; i++)
            if (r->socks[i].refusal_unread)
                s = &r->socks[i];
        if (!s)
            return;
        s->refusal_unread = false;
        r->refusal_fd = s->fd;
        ares_process_fd(r->channel, s->fd, ARES_SOCKET_BAD);
        r->refusal_fd = -1;
    }
}

/* After c-ares ran: deliver the refusals; if every nameserver refused, no pending lookup can get
 * an answer.  Called where no c-ares function is on the stack, since ares_cancel() frees the
 * queries. */
static void settle_refusals(struct tc_resolver *r)
{
    deliver_refusals(r);
    if (r->nservers == 0 || r->refusing < r->nservers)
        return;
    forget_refusals(r);
    r->cancelling = true;
    ares_cancel(r->channel);
    r->cancelling = false;
}

/* ---- the socket functions c-ares uses (ares_set_socket_functions) ---- */

/* c-ares configures no socket it did not open itself: non-blocking and close-on-exec here. */
static ares_socket_t sf_socket(int domain, int type, int protocol, void *data)
{
    int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd >= 0 && !add_sock(data, fd)) {
        close(fd);
        errno = ENOMEM;
        return ARES_SOCKET_BAD;
    }
    return fd;
}

static int sf_close(ares_socket_t fd, void *data)
{
    remove_sock(data, fd);
    return close(fd);
}

static int sf_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *data)
{
    struct csock *s = find_sock(data, fd);
    if (s)
        s->server = server_of(data, sa);
    return connect(fd, sa, len);
}

static ares_ssize_t sf_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
                                struct sockaddr *from, ares_socklen_t *from_len, void *data)
{
    struct tc_resolver *r = data;
    if (fd == r->refusal_fd) {
        r->refusal_fd = -1;
        errno = ECONNREFUSED;
        return -1;
    }
    ssize_t n = recvfrom(fd, buf, len, flags, from, from_len);
    int saved = errno;
    if (n < 0 && saved == ECONNREFUSED)
        note_server(data, fd, true);
    else if (n > 0)
        note_server(data, fd, false);
    errno = saved;
    return n;
}

/* MSG_NOSIGNAL: a TCP nameserver that went away must not kill the user's shell with SIGPIPE. */
static ares_ssize_t sf_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *data)
{
    struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
    ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
    int saved = errno;
    if (n < 0 && saved == ECONNREFUSED) {
        struct csock *s = find_sock(data, fd);
        if (s)
            s->refusal_unread = true;
        note_server(data, fd, true);
    }
    errno = saved;
    return n;
}

static const struct ares_socket_functions socket_functions = {
    .asocket = sf_socket,
    .aclose = sf_close,
    .aconnect = sf_connect,
    .arecvfrom = sf_recvfrom,
    .asendv = sf_sendv,
};

/* ---- the channel ---- */

/* Retransmit inside one attempt: c-ares' own default (5 s a try) would outlast -w. */
static int resolver_try_ms(tc_usec limit)
{
    tc_usec ms = limit / 1000 / 3;
    if (ms < 100)
        ms = 100;
    if (ms > 2000)
        ms = 2000;
    return (int)ms;
}

/* The distinct nameservers c-ares will ask, to tell when every one has refused. */
static int load_servers(struct tc_resolver *r)
{
    struct ares_addr_port_node *list = NULL;
    int status = ares_get_servers_ports(r->channel, &list);
    if (status != ARES_SUCCESS)
        return status;
    size_t n = 0;
    for (const struct ares_addr_port_node *s = list; s; s = s->next)
        n++;
    r->servers = n ? calloc(n, sizeof *r->servers) : NULL;
    if (n && !r->servers) {
        ares_free_data(list);
        return ARES_ENOMEM;
    }
    for (const struct ares_addr_port_node *s = list; s; s = s->next) {
        struct sockaddr_storage ss = {.ss_family = (sa_family_t)s->family};
        if (s->family == AF_INET)
            memcpy(&((struct sockaddr_in *)&ss)->sin_addr, &s->addr.addr4, 4);
        else if (s->family == AF_INET6)
            memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, &s->addr.addr6, 16);
        else
            continue;
        if (server_of(r, (struct sockaddr *)&ss) != NO_SERVER)
            continue; /* the same address twice: one server */
        struct nameserver *ns = &r->servers[r->nservers++];
        ns->family = s->family;
        memcpy(ns->addr, s->family == AF_INET ? (const void *)&s->addr.addr4 : &s->addr.addr6,
               s->family == AF_INET ? 4 : 16);
    }
    ares_free_data(list);
    return ARES_SUCCESS;
}

/* Does a name the hosts file lacks go to DNS ("b" in c-ares' lookups, from nsswitch.conf)? */
static int load_lookups(struct tc_resolver *r)
{
    struct ares_options saved;
    int mask = 0;
    int status = ares_save_options(r->channel, &saved, &mask);
    if (status != ARES_SUCCESS)
        return status;
    r->dns_used = !(mask & ARES_OPT_LOOKUPS) || !saved.lookups || strchr(saved.lookups, 'b');
    ares_destroy_options(&saved);
    return ARES_SUCCESS;
}

static int open_channel(struct tc_resolver *r, tc_usec limit)
{
    struct ares_options options = {
        .timeout = resolver_try_ms(limit),
        .tries = 3,
        .sock_state_cb = sock_state,
        .sock_state_cb_data = r,
    };
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
    int status = ares_init_options(&r->channel, &options, mask);
    if (status != ARES_SUCCESS)
        return status;
    ares_set_socket_functions(r->channel, &socket_functions, r);
    status = load_servers(r);
    if (status == ARES_SUCCESS)
        status = load_lookups(r);
    if (status != ARES_SUCCESS)
        ares_destroy(r->channel);
    return status;
}

struct tc_resolver *tc_resolver_open(tc_usec limit, int *ares_status)
{
    int status = ares_library_init(ARES_LIB_INIT_ALL);
    if (status != ARES_SUCCESS) {
        *ares_status = status;
        return NULL;
    }
    struct tc_resolver *r = calloc(1, sizeof *r);
    if (r)
        r->refusal_fd = -1;
    status = r ? open_channel(r, limit) : ARES_ENOMEM;
    if (status != ARES_SUCCESS) {
        if (r) {
            free(r->servers);
            free(r->socks);
        }
        free(r);
        ares_library_cleanup();
        *ares_status = status;
        return NULL;
    }
    return r;
}

const char *tc_resolver_strerror(int ares_status)
{
    return ares_strerror(ares_status);
}

void tc_resolver_close(struct tc_resolver *r)
{
    if (!r)
        return;
    ares_destroy(r->channel); /* runs the callbacks of pending lookups: they free themselves */
    free(r->servers);
    free(r->socks);
    free(r);
    ares_library_cleanup();
}

/* ---- lookups ---- */

static void lookup_free(struct tc_lookup *l)
{
    free(l->addrs.v);
    free(l);
}

static void lookup_failed(struct tc_lookup *l, enum tc_resolve_failure why, const char *text)
{
    l->status = TC_LOOKUP_FAILED;
    l->failure = why;
    l->text = text;
}

/* Copy c-ares' answer into our own array, so the lookup owns plain memory. */
static void lookup_take_addresses(struct tc_lookup *l, const struct ares_addrinfo *res)
{
    size_t n = 0;
    for (const struct ares_addrinfo_node *node = res ? res->nodes : NULL; node;
         node = node->ai_next)
        n++;
    l->addrs.v = n ? calloc(n, sizeof *l->addrs.v) : NULL;
    if (n && !l->addrs.v) {
        lookup_failed(l, TC_RESOLVE_OTHER, "out of memory");
        return;
    }
    for (const struct ares_addrinfo_node *node = res ? res->nodes : NULL; node;
         node = node->ai_next) {
        size_t len = (size_t)node->ai_addrlen;
        if (len <= sizeof(struct sockaddr_storage))
            memcpy(&l->addrs.v[l->addrs.n++], node->ai_addr, len);
    }
    tc_addrs_interleave(&l->addrs);
    l->status = TC_LOOKUP_DONE;
}

static void lookup_fail(struct tc_lookup *l, int status)
{
    const struct tc_resolver *r = l->owner;
    switch (status) {
    case ARES_ECONNREFUSED:
        /* c-ares starts every query with ECONNREFUSED as its error: when the hosts file said no
         * and no DNS server was to be asked (nsswitch "hosts: files"), that is "no such name". */
        if (!r->dns_used) {
            lookup_failed(l, TC_RESOLVE_NONAME, NULL);
            return;
        }
        lookup_failed(l, TC_RESOLVE_REFUSED, NULL);
        return;
    case ARES_ECANCELLED:
        if (r->cancelling) {
            lookup_failed(l, TC_RESOLVE_REFUSED, NULL);
            return;
        }
        break;
    case ARES_ENOTFOUND:
    case ARES_ENONAME:
        lookup_failed(l, TC_RESOLVE_NONAME, NULL);
        return;
    case ARES_ETIMEOUT:
        lookup_failed(l, TC_RESOLVE_TIMEOUT, NULL);
        return;
    }
    lookup_failed(l, TC_RESOLVE_OTHER, ares_strerror(status));
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct tc_lookup *l = arg;
    (void)timeouts;
    l->owner->pending--;
    if (status == ARES_SUCCESS)
        lookup_take_addresses(l, res);
    else if (status == ARES_ENODATA)
        lookup_take_addresses(l, NULL); /* the name exists, with no address: DONE, none */
    else
        lookup_fail(l, status);
    if (res)
        ares_freeaddrinfo(res);
    if (l->refs == 0) /* abandoned while c-ares was still working on it */
        lookup_free(l);
}

struct tc_lookup *tc_lookup_start(struct tc_resolver *r, const char *name)
{
    struct tc_lookup *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->owner = r;
    l->refs = 1; /* before the call: the callback may run inside it (hosts file) */
    l->status = TC_LOOKUP_PENDING;
    if (r->pending++ == 0)
        forget_refusals(r); /* a fresh start: old refusals say nothing about this lookup */
    struct ares_addrinfo_hints hints = {
        .ai_family = AF_UNSPEC, /* -4/-6 filter later, so "no IPv6 address" can be told */
        .ai_socktype = SOCK_STREAM,
        .ai_protocol = IPPROTO_TCP,
    };
    ares_getaddrinfo(r->channel, name, NULL, &hints, on_addrinfo, l);
    settle_refusals(r);
    return l;
}

void tc_lookup_hold(struct tc_lookup *l)
{
    l->refs++;
}

void tc_lookup_release(struct tc_lookup *l)
{
    if (!l || --l->refs > 0)
        return;
    if (l->status != TC_LOOKUP_PENDING)
        lookup_free(l);
}

enum tc_lookup_status tc_lookup_status(const struct tc_lookup *l)
{
    return l->status;
}

const struct tc_addrs *tc_lookup_addrs(const struct tc_lookup *l)
{
    return &l->addrs;
}

enum tc_resolve_failure tc_lookup_failure(const struct tc_lookup *l)
{
    return l->failure;
}

const char *tc_lookup_text(const struct tc_lookup *l)
{
    return l->text;
}

/* ---- poll integration ---- */

size_t tc_resolver_nfds(const struct tc_resolver *r)
{
    size_t n = 0;
    for (size_t i = 0; r && i < r->nsocks; i++)
        n += r->socks[i].events != 0;
    return n;
}

size_t tc_resolver_pollfds(const struct tc_resolver *r, struct pollfd *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; r && i < r->nsocks && n < max; i++)
        if (r->socks[i].events != 0)
            out[n++] = (struct pollfd){.fd = r->socks[i].fd, .events = r->socks[i].events};
    return n;
}

tc_usec tc_resolver_next_timeout(struct tc_resolver *r, tc_usec now)
{
    struct timeval tv;
    if (!r || !ares_timeout(r->channel, NULL, &tv))
        return -1;
    return now + (tc_usec)tv.tv_sec * 1000000 + tv.tv_usec;
}

void tc_resolver_process(struct tc_resolver *r, const struct pollfd *fds, size_t n)
{
    if (!r)
        return;
    for (size_t i = 0; i < n; i++) {
        ares_socket_t rd = ARES_SOCKET_BAD, wr = ARES_SOCKET_BAD;
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
            rd = fds[i].fd;
        if (fds[i].revents & POLLOUT)
            wr = fds[i].fd;
        if (rd != ARES_SOCKET_BAD || wr != ARES_SOCKET_BAD)
            ares_process_fd(r->channel, rd, wr);
    }
    ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timers */
    settle_refusals(r);
}

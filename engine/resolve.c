/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resolve.c: name resolution with c-ares, driven from the engine's own poll loop.
 *
 * No thread and no blocking call: the channel's sockets join the engine's pollfd set, so the
 * attempt's deadline holds and an interrupt stops a lookup at once.  A lookup is shared by
 * every target of one host in one attempt round and is reference-counted; one that nobody
 * wants any more but that c-ares has not finished is freed by its own callback.
 */
#define _GNU_SOURCE /* ares.h needs fd_set and struct timeval */
#include <ares.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"

struct tc_resolver {
    ares_channel channel;
    unsigned long sockets_opened; /* by c-ares, for DNS: tells a files-only miss apart */
};

struct tc_lookup {
    struct tc_resolver *owner;
    unsigned long sockets_at_start;
    unsigned refs;
    enum tc_lookup_status status;
    struct tc_addrs addrs;
    enum tc_resolve_failure failure;
    char text[96];
};

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

static int count_socket(ares_socket_t fd, int type, void *data)
{
    struct tc_resolver *r = data;

    (void)fd;
    (void)type;
    r->sockets_opened++;
    return 0;
}

struct tc_resolver *tc_resolver_open(tc_usec limit, int *ares_status)
{
    struct ares_options options;
    struct tc_resolver *r;
    int status;

    status = ares_library_init(ARES_LIB_INIT_ALL);
    if (status != ARES_SUCCESS) {
        *ares_status = status;
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        ares_library_cleanup();
        *ares_status = ARES_ENOMEM;
        return NULL;
    }
    memset(&options, 0, sizeof options);
    options.timeout = resolver_try_ms(limit);
    options.tries = 3;
    status = ares_init_options(&r->channel, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (status != ARES_SUCCESS) {
        free(r);
        ares_library_cleanup();
        *ares_status = status;
        return NULL;
    }
    ares_set_socket_callback(r->channel, count_socket, r);
    return r;
}

void tc_resolver_close(struct tc_resolver *r)
{
    if (r == NULL)
        return;
    ares_destroy(r->channel); /* runs the callbacks of pending lookups: they free themselves */
    free(r);
    ares_library_cleanup();
}

static void lookup_free(struct tc_lookup *l)
{
    free(l->addrs.v);
    free(l);
}

/* Copy c-ares' answer into our own array, so the lookup owns plain memory. */
static void lookup_take_addresses(struct tc_lookup *l, const struct ares_addrinfo *res)
{
    const struct ares_addrinfo_node *node;
    size_t n = 0;

    for (node = res ? res->nodes : NULL; node != NULL; node = node->ai_next)
        n++;
    l->addrs.v = n ? calloc(n, sizeof *l->addrs.v) : NULL;
    if (n && l->addrs.v == NULL) {
        l->status = TC_LOOKUP_FAILED;
        l->failure = TC_RESOLVE_OTHER;
        snprintf(l->text, sizeof l->text, "%s", "out of memory");
        return;
    }
    for (node = res ? res->nodes : NULL; node != NULL; node = node->ai_next) {
        size_t len = (size_t)node->ai_addrlen;

        if (len > sizeof(struct sockaddr_storage))
            continue;
        memcpy(&l->addrs.v[l->addrs.n++], node->ai_addr, len);
    }
    tc_addrs_interleave(&l->addrs);
    l->status = TC_LOOKUP_DONE;
}

static void lookup_fail(struct tc_lookup *l, int status)
{
    l->status = TC_LOOKUP_FAILED;
    /* c-ares starts every lookup with ECONNREFUSED as its error: when the hosts file said no
     * and no DNS server was asked (nsswitch "hosts: files"), that is a plain "no such name". */
    if (status == ARES_ECONNREFUSED && l->owner->sockets_opened == l->sockets_at_start)
        status = ARES_ENOTFOUND;
    switch (status) {
    case ARES_ENOTFOUND:
    case ARES_ENONAME:
        l->failure = TC_RESOLVE_NONAME;
        break;
    case ARES_ETIMEOUT:
        l->failure = TC_RESOLVE_TIMEOUT;
        break;
    default:
        l->failure = TC_RESOLVE_OTHER;
        snprintf(l->text, sizeof l->text, "%s", ares_strerror(status));
        break;
    }
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct tc_lookup *l = arg;

    (void)timeouts;
    if (status == ARES_SUCCESS)
        lookup_take_addresses(l, res);
    else if (status == ARES_ENODATA)
        lookup_take_addresses(l, NULL); /* the name exists, with no address: DONE, none */
    else
        lookup_fail(l, status);
    if (res != NULL)
        ares_freeaddrinfo(res);
    if (l->refs == 0) /* abandoned while c-ares was still working on it */
        lookup_free(l);
}

struct tc_lookup *tc_lookup_start(struct tc_resolver *r, const char *name)
{
    struct ares_addrinfo_hints hints;
    struct tc_lookup *l = calloc(1, sizeof *l);

    if (l == NULL)
        return NULL;
    l->owner = r;
    l->sockets_at_start = r->sockets_opened;
    l->refs = 1; /* before the call: the callback may run inside it (hosts file) */
    l->status = TC_LOOKUP_PENDING;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC; /* -4/-6 filter later, so "no IPv6 address" can be told */
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    ares_getaddrinfo(r->channel, name, NULL, &hints, on_addrinfo, l);
    return l;
}

void tc_lookup_hold(struct tc_lookup *l)
{
    l->refs++;
}

void tc_lookup_release(struct tc_lookup *l)
{
    if (l == NULL || --l->refs > 0)
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

size_t tc_resolver_pollfds(struct tc_resolver *r, struct pollfd *out, size_t max)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    unsigned bits;
    size_t i, n = 0;

    if (r == NULL)
        return 0;
    /* ares.h's ARES_GETSOCK_WRITABLE shifts a signed 1 into the sign bit for the sixteenth
     * socket: test the same bits unsigned. */
    bits = (unsigned)ares_getsock(r->channel, socks, ARES_GETSOCK_MAXNUM);
    for (i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
        short events = 0;

        if (bits & (1u << i))
            events |= POLLIN;
        if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
            events |= POLLOUT;
        if (events == 0)
            continue;
        out[n].fd = socks[i];
        out[n].events = events;
        out[n].revents = 0;
        n++;
    }
    return n;
}

tc_usec tc_resolver_next_timeout(struct tc_resolver *r, tc_usec now)
{
    struct timeval tv;

    if (r == NULL || ares_timeout(r->channel, NULL, &tv) == NULL)
        return -1;
    return now + (tc_usec)tv.tv_sec * 1000000 + tv.tv_usec;
}

void tc_resolver_process(struct tc_resolver *r, const struct pollfd *fds, size_t n)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < n; i++) {
        ares_socket_t rd = ARES_SOCKET_BAD, wr = ARES_SOCKET_BAD;

        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
            rd = fds[i].fd;
        if (fds[i].revents & POLLOUT)
            wr = fds[i].fd;
        if (rd != ARES_SOCKET_BAD || wr != ARES_SOCKET_BAD)
            ares_process_fd(r->channel, rd, wr);
    }
    ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timers */
}

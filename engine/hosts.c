/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hosts.c: the addresses of every host of a request (tcpcheck(1), NAME RESOLUTION).
 *
 * A literal address never touches a resolver, nor does localhost (RFC 6761), nor a unix: path
 * (its one address is its sockaddr_un).  A name is looked up by c-ares; the lookup is shared by
 * every target of that host that starts an attempt while it is current, so `db 1-1000` costs
 * one lookup, and wait mode looks the name up again for the next round of attempts (a compose
 * service appears in DNS once its container starts).
 *
 * With -x every attempt connects to the proxy, whose host is one more host here (after the
 * request's own), looked up the same way; the target's name is looked up too for socks5://
 * only, and a literal target's address is handed on to be sent (tcpcheck(1), PROXIES).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "hosts.h"

struct host_state {
    struct tc_addrs fixed; /* a literal's address, or localhost's: no resolver needed */
    bool has_fixed;
    struct tc_lookup *lookup; /* the current lookup of a name, held here */
    tc_usec lookup_started;
};

struct tc_hosts {
    const struct tc_request *req;
    struct host_state *hosts; /* the request's, then with -x the proxy's */
    size_t nhosts;
    struct tc_resolver *resolver;
    bool resolver_failed;  /* it could not start: every name is then an error */
    char resolver_why[96]; /* ... and these words say why */
};

/* ---- literals and localhost ---- */

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

/* The literal's one address; none when it cannot be used here (a scope whose interface does not
 * exist: the attempt then says the host has no address, never a 0 ms timeout). */
static void numeric_address(const char *name, struct tc_addrs *out)
{
    out->v = calloc(1, sizeof *out->v);
    if (!out->v)
        return;
    if (plain_numeric_address(name, out->v)) {
        out->n = 1;
        return;
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res)
        return;
    if (res->ai_addrlen <= sizeof *out->v) {
        memcpy(out->v, res->ai_addr, res->ai_addrlen);
        out->n = 1;
    }
    freeaddrinfo(res);
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
static bool localhost_addresses(struct tc_addrs *out)
{
    out->v = calloc(2, sizeof *out->v);
    if (!out->v)
        return false;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->v[0];
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->v[1];
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_loopback;
    out->n = 2;
    return true;
}

/* A unix: target's one address: the parser kept the path within sun_path. */
static bool unix_address(const char *path, struct tc_addrs *out)
{
    out->v = calloc(1, sizeof *out->v);
    if (!out->v)
        return false;
    struct sockaddr_un *un = (struct sockaddr_un *)&out->v[0];
    un->sun_family = AF_UNIX;
    snprintf(un->sun_path, sizeof un->sun_path, "%s", path);
    out->n = 1;
    return true;
}

/* ---- the hosts of a request ---- */

static const struct tc_host *host_at(const struct tc_hosts *h, size_t i)
{
    return i < h->req->nhosts ? &h->req->hosts[i] : &h->req->opt.proxy->host;
}

struct tc_hosts *tc_hosts_open(const struct tc_request *req)
{
    struct tc_hosts *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->req = req;
    h->nhosts = req->nhosts + (req->opt.proxy != NULL);
    h->hosts = calloc(h->nhosts ? h->nhosts : 1, sizeof *h->hosts);
    if (!h->hosts) {
        free(h);
        return NULL;
    }
    for (size_t i = 0; i < h->nhosts; i++) {
        const struct tc_host *host = host_at(h, i);
        struct host_state *hs = &h->hosts[i];
        if (host->unix_socket) {
            hs->has_fixed = unix_address(host->name, &hs->fixed);
        } else if (host->numeric) {
            numeric_address(host->name, &hs->fixed);
            hs->has_fixed = true;
        } else if (is_localhost_name(host->name)) {
            hs->has_fixed = localhost_addresses(&hs->fixed);
        }
    }
    return h;
}

void tc_hosts_close(struct tc_hosts *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nhosts; i++) {
        tc_lookup_release(h->hosts[i].lookup);
        free(h->hosts[i].fixed.v);
    }
    tc_resolver_close(h->resolver); /* after the lookups: pending ones free themselves */
    free(h->hosts);
    free(h);
}

struct tc_resolver *tc_hosts_resolver(struct tc_hosts *h)
{
    return h->resolver;
}

/* The resolver, opened once; on failure the words of why stay for every later name. */
static bool have_resolver(struct tc_hosts *h)
{
    if (h->resolver || h->resolver_failed)
        return h->resolver;
    int status = 0;
    h->resolver = tc_resolver_open(h->req->opt.limit.usec, &status);
    if (!h->resolver) {
        h->resolver_failed = true;
        snprintf(h->resolver_why, sizeof h->resolver_why, "cannot start the resolver: %s",
                 tc_resolver_strerror(status));
    }
    return h->resolver;
}

/* Host i's fixed addresses, or its current lookup (held for the caller). */
static const char *prepare(struct tc_hosts *h, size_t i, tc_usec since, tc_usec now,
                           const struct tc_addrs **addrs, struct tc_lookup **lookup)
{
    struct host_state *hs = &h->hosts[i];
    if (hs->has_fixed) {
        *addrs = &hs->fixed;
        return NULL;
    }
    if (!have_resolver(h))
        return h->resolver_why;
    if (!hs->lookup || hs->lookup_started <= since) {
        struct tc_lookup *fresh = tc_lookup_start(h->resolver, host_at(h, i)->name);
        if (!fresh)
            return "cannot start the lookup: out of memory";
        tc_lookup_release(hs->lookup);
        hs->lookup = fresh;
        hs->lookup_started = now;
    }
    tc_lookup_hold(hs->lookup);
    *lookup = hs->lookup;
    return NULL;
}

const char *tc_hosts_prepare(struct tc_hosts *h, size_t host, tc_usec since, tc_usec now,
                             struct tc_attempt *a)
{
    const struct tc_proxy *proxy = h->req->opt.proxy;
    if (!proxy)
        return prepare(h, host, since, now, &a->addrs, &a->lookup);
    const char *why = prepare(h, h->req->nhosts, since, now, &a->addrs, &a->lookup);
    if (why)
        return why;
    const struct tc_host *target = &h->req->hosts[host];
    a->target_name = target->name;
    if (proxy->kind == TC_PROXY_SOCKS5 || target->numeric)
        why = prepare(h, host, since, now, &a->target_addrs, &a->target_lookup);
    if (why) {
        tc_lookup_release(a->lookup);
        a->lookup = NULL;
        a->addrs = NULL;
    }
    return why;
}

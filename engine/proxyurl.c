/* SPDX-License-Identifier: GPL-3.0-or-later */
/* proxyurl.c: the -x PROXY word (tcpcheck(1), PROXIES).
 *
 * SCHEME://[USER:PASS@]HOST:PORT[/], as curl and the *_proxy variables write it.  The
 * credentials end at the last '@' (a password may hold an '@' of its own) and are
 * percent-decoded, so `%40` and `%3A` reach the proxy as '@' and ':'.  Only the host is ever
 * quoted back in a message: the argument as a whole may hold a password, and a word in the
 * port's place may be one whose '@' was forgotten.
 */
#include "proxyurl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "targets.h"
#include "usage.h"

#define CREDENTIAL_MAX 255 /* RFC 1929: ULEN and PLEN are one byte, and neither may be 0 */

/* ---- schemes ---- */

static const struct {
    const char *prefix;
    enum tc_proxy_kind kind;
} schemes[] = {
    {"socks5://", TC_PROXY_SOCKS5},
    {"socks5h://", TC_PROXY_SOCKS5H},
    {"http://", TC_PROXY_HTTP},
};

const char *tc_proxy_scheme(enum tc_proxy_kind kind)
{
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (schemes[i].kind == kind)
            return schemes[i].prefix;
    return "";
}

/* The text after a known scheme (any case, as URL schemes are), or NULL. */
static const char *after_scheme(const char *text, enum tc_proxy_kind *kind)
{
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i].prefix);
        if (strncasecmp(text, schemes[i].prefix, n) == 0) {
            *kind = schemes[i].kind;
            return text + n;
        }
    }
    return NULL;
}

/* ---- credentials ---- */

/* Overwrites a secret in a way the compiler may not drop as a dead store. */
static void wipe(char *s)
{
    for (volatile char *p = s; s && *p; p++)
        *p = '\0';
}

/* text[0..len) with every %HH decoded, as a new string; NULL with *problem set. */
static char *percent_decode(const char *text, size_t len, const char **problem)
{
    char *out = malloc(len + 1); /* decoding never lengthens */
    if (!out) {
        *problem = "out of memory";
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '%') {
            out[n++] = text[i];
            continue;
        }
        int hi = i + 2 < len ? tc_hex_value(text[i + 1]) : -1;
        int lo = hi >= 0 ? tc_hex_value(text[i + 2]) : -1;
        if (lo < 0 || hi * 16 + lo == 0) {
            out[n] = '\0';
            wipe(out);
            free(out);
            *problem = lo < 0 ? "a '%' in the credentials needs two hex digits (%40 is '@')"
                              : "the credentials cannot hold %00";
            return NULL;
        }
        out[n++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[n] = '\0';
    return out;
}

/* USER:PASS (the text before the last '@') into proxy->user and proxy->password. */
static bool parse_credentials(struct tc_proxy *proxy, const char *text, size_t len,
                              struct tc_parse_result *res)
{
    const char *colon = memchr(text, ':', len);
    if (!colon || colon == text)
        return tc_usage(res, "-x: credentials are written USER:PASS@ before the proxy's host");
    const char *problem = NULL;
    proxy->user = percent_decode(text, (size_t)(colon - text), &problem);
    if (proxy->user)
        proxy->password = percent_decode(colon + 1, len - (size_t)(colon - text) - 1, &problem);
    if (!proxy->password)
        return tc_usage(res, "-x: %s", problem);
    if (proxy->kind == TC_PROXY_HTTP)
        return true;
    size_t user_len = strlen(proxy->user), password_len = strlen(proxy->password);
    if (user_len > CREDENTIAL_MAX || password_len == 0 || password_len > CREDENTIAL_MAX)
        return tc_usage(res, "-x: a SOCKS5 user name and password are 1-255 bytes each");
    return true;
}

/* ---- HOST:PORT ---- */

static bool bad_port(struct tc_parse_result *res)
{
    return tc_usage(res, "-x: the proxy's port must be one port: a number 1-65535 or a service "
                         "name");
}

/* The proxy's host (len bytes at text, brackets removed) into proxy->host. */
static bool parse_host(struct tc_proxy *proxy, const char *text, size_t len, bool bracketed,
                       struct tc_parse_result *res)
{
    struct tc_shown shown;
    if (len == 0)
        return tc_usage(res, "-x: the proxy needs a host (socks5://HOST:PORT)");
    char *host = strndup(text, len);
    if (!host)
        return tc_usage(res, "-x: out of memory");
    proxy->host.name = host;
    int family;
    if (!tc_check_host(host, &proxy->host.numeric, &family) || bracketed != (family == AF_INET6))
        return tc_usage(res, "-x: %s: invalid proxy host", tc_show(&shown, host));
    const char *problem = tc_scope_problem(host);
    if (problem)
        return tc_usage(res, "-x: %s: %s", tc_show(&shown, host), problem);
    return true;
}

/* HOST:PORT, [IPV6]:PORT, each with an optional '/' after it. */
static bool parse_host_port(struct tc_proxy *proxy, const char *text, struct tc_parse_result *res)
{
    size_t len = strlen(text);
    if (len > 0 && text[len - 1] == '/')
        len--;
    const char *host = text, *end = text + len, *colon;
    bool bracketed = text[0] == '[';
    if (bracketed) {
        const char *close = memchr(text, ']', len);
        if (!close)
            return tc_usage(res, "-x: an IPv6 proxy address is written in brackets ([::1]:1080)");
        host = text + 1;
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
        if (!colon && close + 1 < end)
            return tc_usage(res, "-x: a ':' and the port follow the proxy's ']'");
        len = (size_t)(close - host);
    } else {
        colon = memchr(text, ':', len);
        if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
            return tc_usage(res, "-x: an IPv6 proxy address is written in brackets ([::1]:1080)");
        len = colon ? (size_t)(colon - text) : len;
    }
    if (!parse_host(proxy, host, len, bracketed, res))
        return false;
    if (!colon || colon + 1 == end)
        return tc_usage(res, "-x: the proxy needs a port (HOST:PORT)");
    if (memchr(colon + 1, '/', (size_t)(end - colon - 1)))
        return tc_usage(res, "-x: nothing may follow the proxy's port but one '/'");
    char port_text[64];
    size_t port_len = (size_t)(end - colon - 1);
    if (port_len >= sizeof port_text)
        return bad_port(res);
    memcpy(port_text, colon + 1, port_len);
    port_text[port_len] = '\0';
    return tc_parse_one_port(port_text, &proxy->port) || bad_port(res);
}

/* ---- the word ---- */

static bool parse_proxy(struct tc_proxy *proxy, const char *text, struct tc_parse_result *res)
{
    const char *rest = after_scheme(text, &proxy->kind);
    if (!rest)
        return tc_usage(res, "-x: the proxy is socks5://, socks5h:// or http:// with "
                             "[USER:PASS@]HOST:PORT");
    const char *at = strrchr(rest, '@');
    if (at && !parse_credentials(proxy, rest, (size_t)(at - rest), res))
        return false;
    return parse_host_port(proxy, at ? at + 1 : rest, res);
}

bool tc_parse_proxy(const char *text, struct tc_proxy **out, struct tc_parse_result *res)
{
    *out = NULL;
    struct tc_proxy *proxy = calloc(1, sizeof *proxy);
    if (!proxy)
        return tc_usage(res, "-x: out of memory");
    if (!parse_proxy(proxy, text, res)) {
        tc_proxy_free(proxy);
        return false;
    }
    *out = proxy;
    return true;
}

void tc_proxy_free(struct tc_proxy *proxy)
{
    if (!proxy)
        return;
    wipe(proxy->password);
    free(proxy->password);
    free(proxy->user);
    free(proxy->host.name);
    free(proxy);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report.c: the words the contract promises (tcpcheck(1), OUTPUT), written into growable buffers.
 *
 * Nothing here prints: the only outside calls are getservbyport() (the service name of a -v
 * line) and if_indextoname() (the %scope of a link-local address).  Every byte that came from
 * the user or the network goes out through tc_escape_text() or tc_json_string(), so a hostile
 * host name or peer can neither drive a terminal nor break the JSON.
 *
 * A unix: target is named by its path where a TCP target has "HOST port PORT" (nc -U's words);
 * a target probed through a proxy (-x) says so in its connect lines, and a proxy that failed
 * has a line of its own that names it, never its credentials (tcpcheck(1), PROXIES).
 */
#include "report.h"

#include "escape.h"
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

/* ---- addresses, services, times ----------------------------------------------------------- */

static void format_ipv6(const struct sockaddr_in6 *sin6, char *buf, size_t size)
{
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text) == NULL) {
        buf[0] = '\0';
        return;
    }
    if (sin6->sin6_scope_id == 0) {
        snprintf(buf, size, "%s", text);
        return;
    }
    char ifname[IF_NAMESIZE];
    if (if_indextoname(sin6->sin6_scope_id, ifname) != NULL)
        snprintf(buf, size, "%s%%%s", text, ifname);
    else
        snprintf(buf, size, "%s%%%lu", text, (unsigned long)sin6->sin6_scope_id);
}

/* An unknown family or a buffer too small gives "" rather than a wrong address. */
void tc_format_address(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        if (inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)size) == NULL)
            buf[0] = '\0';
    } else if (ss->ss_family == AF_INET6) {
        format_ipv6((const struct sockaddr_in6 *)ss, buf, size);
    } else if (ss->ss_family == AF_UNIX) {
        snprintf(buf, size, "%s", ((const struct sockaddr_un *)ss)->sun_path);
    }
}

/* Microseconds as milliseconds with 3 decimals: exact, so no floating point. */
static void put_ms(struct tc_buf *out, tc_usec usec)
{
    if (usec < 0)
        usec = 0;
    tc_buf_printf(out, "%lld.%03lld", (long long)(usec / 1000), (long long)(usec % 1000));
}

/* Microseconds as seconds with 1 decimal, rounded to the nearest tenth. */
static void put_seconds_tenths(struct tc_buf *out, tc_usec usec)
{
    long long tenths = usec < 0 ? 0 : ((long long)usec + 50000) / 100000;
    tc_buf_printf(out, "%lld.%lld", tenths / 10, tenths % 10);
}

static void put_service(struct tc_buf *out, uint16_t port)
{
    const struct servent *se = getservbyport((int)htons(port), "tcp");
    if (se != NULL && se->s_name != NULL)
        tc_escape_string(out, se->s_name);
    else
        tc_buf_puts(out, "*");
}

/* " (10.0.0.5)": the address connected to, after the host (-vv, ping mode). */
static void put_address(struct tc_buf *out, const struct tc_result *r)
{
    char address[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    tc_format_address(&r->address, address, sizeof address);
    tc_buf_puts(out, " (");
    tc_escape_string(out, address);
    tc_buf_puts(out, ")");
}

/* ---- failure lines ------------------------------------------------------------------------ */

/* "db port 5432", or a unix: target's path. */
static void put_target(struct tc_buf *out, const struct tc_result *r)
{
    tc_escape_string(out, r->host);
    if (!r->unix_socket)
        tc_buf_printf(out, " port %u", (unsigned)r->port);
}

/* "proxy 10.0.0.1 port 1080": the proxy as -x names it, without its credentials. */
static void put_proxy(struct tc_buf *out, const struct tc_options *opt)
{
    tc_buf_puts(out, "proxy ");
    tc_escape_string(out, opt->proxy->host.name);
    tc_buf_printf(out, " port %u", (unsigned)opt->proxy->port);
}

/* "connect to db port 5432 (tcp) ", "... (tcp) via proxy 10.0.0.1 port 1080 ", or nc -U's
 * "connect to /run/app.sock ". */
static void put_connect_prefix(struct tc_buf *out, const struct tc_options *opt,
                               const struct tc_result *r)
{
    tc_buf_puts(out, "connect to ");
    put_target(out, r);
    tc_buf_puts(out, r->unix_socket ? " " : " (tcp) ");
    if (opt->proxy) {
        tc_buf_puts(out, "via ");
        put_proxy(out, opt);
        tc_buf_puts(out, " ");
    }
}

/* The proxy's words, quoted and escaped: "HTTP/1.1 500 Unable to connect". */
static void put_proxy_text(struct tc_buf *out, const struct tc_result *r)
{
    tc_buf_puts(out, "\"");
    tc_escape_text(out, r->proxy_text, r->proxy_text ? r->proxy_text_len : 0);
    tc_buf_puts(out, "\"");
}

/* "SOCKS5 reply 5: Connection refused" */
static void put_socks5_reply(struct tc_buf *out, int code)
{
    const char *words = tc_socks5_reply_words(code);
    tc_buf_printf(out, "SOCKS5 reply %d: %s", code, words ? words : "unknown reply");
}

/* What a proxy answered about the target (refused, unreachable, timeout). */
static void put_proxy_answer(struct tc_buf *out, const struct tc_options *opt,
                             const struct tc_result *r)
{
    if (opt->proxy->kind == TC_PROXY_HTTP)
        put_proxy_text(out, r);
    else
        put_socks5_reply(out, r->proxy_code);
}

/* refused / unreachable: the errno says which, a missing one falls back to the state's own;
 * through a proxy, what the proxy answered. */
static void put_refusal_words(struct tc_buf *out, const struct tc_options *opt,
                              const struct tc_result *r, int fallback)
{
    if (r->proxy == TC_PROXY_ANSWER && opt->proxy)
        put_proxy_answer(out, opt, r);
    else
        tc_escape_string(out, strerror(r->sys_errno != 0 ? r->sys_errno : fallback));
}

static void format_connect_failed(struct tc_buf *out, const struct tc_options *opt,
                                  const struct tc_result *r, int fallback)
{
    put_connect_prefix(out, opt, r);
    tc_buf_puts(out, "failed: ");
    put_refusal_words(out, opt, r, fallback);
}

/* What failed here ("socket", "cannot bind 10.0.0.1") and why, each part when known; `sep`
 * comes before each part. */
static void put_local_error(struct tc_buf *out, const struct tc_result *r, const char *sep)
{
    if (r->error_context != NULL) {
        tc_buf_puts(out, sep);
        tc_escape_string(out, r->error_context);
        sep = ": ";
    }
    if (r->sys_errno != 0) {
        tc_buf_puts(out, sep);
        tc_escape_string(out, strerror(r->sys_errno));
    }
}

static void format_local_error(struct tc_buf *out, const struct tc_options *opt,
                               const struct tc_result *r)
{
    put_connect_prefix(out, opt, r);
    tc_buf_puts(out, "failed");
    put_local_error(out, r, ": ");
}

/* The time a timed-out attempt was given, as the user wrote it. */
static const char *deadline_text(const struct tc_options *opt, const struct tc_result *r)
{
    return r->deadline_text != NULL ? r->deadline_text : opt->limit.text;
}

/* A time as the user wrote it: a bare number is seconds ("5 s"), a unit stays ("500ms"). */
static void put_time(struct tc_buf *out, const char *text)
{
    char phrase[TC_SECONDS_PHRASE_MAX];
    tc_seconds_phrase(phrase, sizeof phrase, text);
    tc_escape_string(out, phrase);
}

/* A target the run stopped for before it had an answer (tcpcheck(1), WAIT MODE). */
static void format_stopped(struct tc_buf *out, const struct tc_options *opt,
                           const struct tc_result *r)
{
    put_target(out, r);
    tc_buf_puts(out, ": ");
    if (r->stopped == TC_STOP_QUORUM) {
        tc_buf_puts(out, r->attempts == 0 ? "not attempted: the quorum was met first"
                                          : "first attempt cut short: the quorum was met");
        return;
    }
    tc_buf_puts(out, "not attempted: the wait ended after ");
    put_time(out, opt->wait.text);
}

/* A unix: socket whose backlog stayed full says so (its connect() said EAGAIN each time). */
static void format_connect_timeout(struct tc_buf *out, const struct tc_options *opt,
                                   const char *after, const struct tc_result *r)
{
    put_connect_prefix(out, opt, r);
    tc_buf_puts(out, "timed out after ");
    put_time(out, after);
    if (r->unix_socket && r->sys_errno == EAGAIN)
        tc_buf_puts(out, ": the listener's backlog stayed full");
}

/* The proxy itself answered that the target timed out (SOCKS5 6, HTTP 504), as opposed to a
 * proxy that went silent, or -w ending first. */
static bool proxy_said_timeout(const struct tc_result *r)
{
    return r->proxy == TC_PROXY_ANSWER && r->proxy_code >= 0;
}

static void format_timeout(struct tc_buf *out, const struct tc_options *opt,
                           const struct tc_result *r)
{
    if (r->stopped == TC_STOP_QUORUM || (r->stopped == TC_STOP_WAIT_ENDED && r->attempts == 0))
        format_stopped(out, opt, r);
    else if (r->stopped == TC_STOP_WAIT_ENDED) /* an attempt -W cut: its deadline was -W's */
        format_connect_timeout(out, opt, opt->wait.text, r);
    else if (proxy_said_timeout(r))
        format_connect_failed(out, opt, r, ETIMEDOUT);
    else
        format_connect_timeout(out, opt, deadline_text(opt, r), r);
}

/* The family a name was asked for: -4/-6, else the family of -s. */
static int family_asked(const struct tc_options *opt)
{
    if (opt->family != AF_UNSPEC)
        return opt->family;
    return opt->has_source ? opt->source.ss_family : AF_UNSPEC;
}

static const char *no_address_words(int family)
{
    if (family == AF_INET)
        return "no IPv4 address";
    if (family == AF_INET6)
        return "no IPv6 address";
    return "No address associated with hostname";
}

/* Why a name did not resolve (the target's, or with -x the proxy's), in getaddrinfo's and
 * getent's words where they have some. */
static void put_unresolved_reason(struct tc_buf *out, const struct tc_options *opt,
                                  const struct tc_result *r)
{
    switch (r->resolve_failure) {
    case TC_RESOLVE_NONAME:
        tc_buf_puts(out, "Name or service not known");
        return;
    case TC_RESOLVE_NOADDRESS:
        tc_buf_puts(out, no_address_words(family_asked(opt)));
        return;
    case TC_RESOLVE_TIMEOUT:
        tc_buf_puts(out, "name resolution timed out after ");
        put_time(out, deadline_text(opt, r));
        return;
    case TC_RESOLVE_REFUSED: /* getaddrinfo's EAI_AGAIN, as getent and nc say it */
        tc_buf_puts(out, "Temporary failure in name resolution");
        return;
    case TC_RESOLVE_OTHER:
    case TC_RESOLVE_NONE:
        break;
    }
    tc_buf_puts(out, "name resolution failed");
    if (r->resolve_text != NULL) {
        tc_buf_puts(out, ": ");
        tc_escape_string(out, r->resolve_text);
    }
}

static void format_unresolved(struct tc_buf *out, const struct tc_options *opt,
                              const struct tc_result *r)
{
    tc_escape_string(out, r->host);
    tc_buf_puts(out, ": ");
    put_unresolved_reason(out, opt, r);
}

/* A connection to the proxy that failed: "connect failed: Connection refused", or timed out. */
static void put_proxy_connect(struct tc_buf *out, const struct tc_options *opt,
                              const struct tc_result *r)
{
    if (r->sys_errno == 0) {
        tc_buf_puts(out, "connect timed out after ");
        put_time(out, deadline_text(opt, r));
        return;
    }
    tc_buf_puts(out, "connect failed: ");
    if (r->error_context != NULL) {
        tc_escape_string(out, r->error_context);
        tc_buf_puts(out, ": ");
    }
    tc_escape_string(out, strerror(r->sys_errno));
}

/* The proxy's credentials, its methods or its answer to them. */
static void put_proxy_auth(struct tc_buf *out, const struct tc_options *opt,
                           const struct tc_result *r)
{
    bool http = opt->proxy->kind == TC_PROXY_HTTP, given = opt->proxy->user != NULL;
    if (r->proxy == TC_PROXY_NO_METHOD) {
        tc_buf_puts(out, given ? "accepts none of the methods offered (no authentication, "
                                 "username/password)"
                               : "asks for a user name and password, and -x gives none");
        return;
    }
    tc_buf_puts(out, given ? "authentication failed: " : "authentication required: ");
    if (http)
        put_proxy_text(out, r);
    else
        tc_buf_printf(out, "RFC 1929 status %d", r->proxy_code);
}

/* An error that is the proxy's own (down, silent, refusing us): the target was not tested. */
static bool proxy_failed(const struct tc_options *opt, const struct tc_result *r)
{
    return opt->proxy && r->state == TC_ERROR && r->proxy != TC_PROXY_NONE;
}

/* The proxy itself failed: the target was not tested (tcpcheck(1), PROXIES). */
static void format_proxy_failure(struct tc_buf *out, const struct tc_options *opt,
                                 const struct tc_result *r)
{
    bool http = opt->proxy->kind == TC_PROXY_HTTP;
    put_proxy(out, opt);
    tc_buf_puts(out, ": ");
    switch (r->proxy) {
    case TC_PROXY_UNRESOLVED:
        put_unresolved_reason(out, opt, r);
        return;
    case TC_PROXY_CONNECT:
        put_proxy_connect(out, opt, r);
        return;
    case TC_PROXY_SILENT:
        tc_buf_puts(out, "timed out after ");
        put_time(out, deadline_text(opt, r));
        tc_buf_puts(out, " waiting for its reply");
        return;
    case TC_PROXY_CLOSED:
        tc_buf_puts(out, r->sys_errno == ECONNRESET ? "reset the connection before replying"
                                                    : "closed the connection before replying");
        return;
    case TC_PROXY_GARBAGE:
        if (r->proxy_code >= 0)
            tc_buf_puts(out, "reply header longer than 4096 bytes: ");
        else
            tc_buf_puts(out, http ? "not an HTTP reply: " : "not a SOCKS5 reply: ");
        put_proxy_text(out, r);
        return;
    case TC_PROXY_NO_METHOD:
    case TC_PROXY_AUTH:
        put_proxy_auth(out, opt, r);
        return;
    case TC_PROXY_FAILURE:
        if (http) {
            tc_buf_puts(out, "CONNECT failed: ");
            put_proxy_text(out, r);
        } else {
            put_socks5_reply(out, r->proxy_code);
        }
        return;
    case TC_PROXY_NONE:
    case TC_PROXY_ANSWER:
        break;
    }
}

static const char *mismatch_words(enum tc_mismatch_reason reason, bool replied)
{
    switch (reason) {
    case TC_MISMATCH_DEADLINE:
        return replied ? "no matching reply before the deadline" : "no reply before the deadline";
    case TC_MISMATCH_CLOSED:
        return "closed by peer";
    case TC_MISMATCH_RESET:
        return "reset by peer";
    case TC_MISMATCH_FULL:
        return "no match in the first 4096 bytes";
    case TC_MISMATCH_SEND_DEADLINE:
        return "could not send before the deadline";
    case TC_MISMATCH_EXPECT_CLOSED:
        return "connected, but -C expected it closed";
    case TC_MISMATCH_NONE:
        break;
    }
    return "no match"; /* the engine always gives a reason; this only keeps the line sane */
}

/* Says what happened: -S that could not go ("could not send before the deadline", "could not
 * send: reset by peer"), or a reply that did not match, and then whether anything arrived: "no
 * reply before the deadline" alone, or what did arrive, quoted. */
static void put_mismatch_reason(struct tc_buf *out, const struct tc_options *opt,
                                const struct tc_result *r)
{
    size_t got = r->reply != NULL ? r->reply_len : 0;
    if (r->mismatch == TC_MISMATCH_SEND_DEADLINE) {
        tc_buf_puts(out, mismatch_words(r->mismatch, false));
        return;
    }
    if (r->send_failed || opt->expect == NULL) { /* the peer went away before the data went */
        tc_buf_puts(out, "could not send: ");
        tc_buf_puts(out, mismatch_words(r->mismatch, false));
        return;
    }
    tc_buf_puts(out, "reply did not match '");
    tc_escape_string(out, opt->expect);
    tc_buf_puts(out, "': ");
    tc_buf_puts(out, mismatch_words(r->mismatch, got > 0));
    if (r->mismatch == TC_MISMATCH_DEADLINE && got == 0)
        return;
    tc_buf_puts(out, ": \"");
    tc_escape_text(out, r->reply, got);
    tc_buf_puts(out, "\"");
}

static void format_mismatch(struct tc_buf *out, const struct tc_options *opt,
                            const struct tc_result *r)
{
    put_target(out, r);
    tc_buf_puts(out, ": ");
    put_mismatch_reason(out, opt, r);
}

/* -C and a target that is open: it does not pass (tcpcheck(1), EXPECT CLOSED). */
static void format_expect_closed(struct tc_buf *out, const struct tc_options *opt,
                                 const struct tc_result *r)
{
    put_connect_prefix(out, opt, r);
    tc_buf_puts(out, "succeeded, but -C expected it closed");
}

/* Appends to `out` (callers reset it between lines); an open result adds nothing, unless -C
 * made it a failure (its mismatch reason says so). */
void tc_format_failure(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r)
{
    tc_buf_append(out, "", 0);
    if (proxy_failed(opt, r)) {
        format_proxy_failure(out, opt, r);
        return;
    }
    switch (r->state) {
    case TC_OPEN:
        if (r->mismatch == TC_MISMATCH_EXPECT_CLOSED)
            format_expect_closed(out, opt, r);
        return;
    case TC_REFUSED:
        format_connect_failed(out, opt, r, ECONNREFUSED);
        return;
    case TC_UNREACHABLE:
        format_connect_failed(out, opt, r, EHOSTUNREACH);
        return;
    case TC_TIMEOUT:
        format_timeout(out, opt, r);
        return;
    case TC_UNRESOLVED:
        format_unresolved(out, opt, r);
        return;
    case TC_MISMATCH:
        format_mismatch(out, opt, r);
        return;
    case TC_ERROR:
        format_local_error(out, opt, r);
        return;
    }
}

/* ---- success lines ------------------------------------------------------------------------ */

/* The end of a success line: "succeeded!", in wait mode "succeeded after 3.2 s", and with -C
 * "refused, as -C expected" or "refused after 3.2 s, as -C expected". */
static void put_succeeded(struct tc_buf *out, const struct tc_options *opt, tc_usec waited)
{
    tc_buf_puts(out, opt->expect_closed ? "refused" : "succeeded");
    if (waited >= 0) {
        tc_buf_puts(out, " after ");
        put_seconds_tenths(out, waited);
        tc_buf_puts(out, " s");
    }
    if (opt->expect_closed)
        tc_buf_puts(out, ", as -C expected");
    else if (waited < 0)
        tc_buf_puts(out, "!");
}

/* -vv: " (0.412 ms)", and through a proxy " via proxy 10.0.0.1 port 1080". */
static void put_connect_time(struct tc_buf *out, const struct tc_options *opt,
                             const struct tc_result *r)
{
    if (r->rtt >= 0) {
        tc_buf_puts(out, " (");
        put_ms(out, r->rtt);
        tc_buf_puts(out, " ms)");
    }
    if (opt->proxy) {
        tc_buf_puts(out, " via ");
        put_proxy(out, opt);
    }
}

/* nc -zv's words: "Connection to HOST PORT port [tcp/SERVICE] succeeded!"; -vv inserts the
 * address after the host and appends the connect time.  nc -Uzv's for a unix: target:
 * "Connection to PATH succeeded!".  With -C a passing target was refused: "... refused, as -C
 * expected" (tcpcheck(1), EXPECT CLOSED). */
void tc_format_success(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r,
                       tc_usec waited)
{
    bool very_verbose = opt->verbose >= 2;
    tc_buf_puts(out, "Connection to ");
    tc_escape_string(out, r->host);
    if (r->unix_socket) {
        tc_buf_puts(out, " ");
        put_succeeded(out, opt, waited);
        if (very_verbose)
            put_connect_time(out, opt, r);
        return;
    }
    if (very_verbose && r->has_address)
        put_address(out, r);
    tc_buf_printf(out, " %u port [tcp/", (unsigned)r->port);
    put_service(out, r->port);
    tc_buf_puts(out, "] ");
    put_succeeded(out, opt, waited);
    if (very_verbose)
        put_connect_time(out, opt, r);
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_cstring(struct tc_buf *out, const char *s)
{
    tc_json_string(out, (const unsigned char *)s, strlen(s));
}

/* The address connected to (for a unix: target its path; through a proxy the target's address
 * when it was known here), else null. */
static void json_address(struct tc_buf *out, const struct tc_result *r)
{
    char address[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "";
    if (r->unix_socket) {
        json_cstring(out, r->host);
        return;
    }
    if (r->has_address)
        tc_format_address(&r->address, address, sizeof address);
    if (address[0] != '\0')
        json_cstring(out, address);
    else
        tc_buf_puts(out, "null");
}

/* "error": the same line stderr would get, built apart and then quoted. */
static void json_error(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r)
{
    struct tc_buf line = {0};
    tc_format_failure(&line, opt, r);
    if (line.failed)
        out->failed = true;
    else
        tc_json_string(out, (const unsigned char *)line.data, line.len);
    tc_buf_free(&line);
}

/* `{"host":...,"port":...,"state":` -- a unix: target's port is null (tcpcheck(1), OUTPUT). */
static void json_host_port(struct tc_buf *out, const struct tc_result *r)
{
    tc_buf_puts(out, "{\"host\":");
    json_cstring(out, r->host);
    if (r->unix_socket)
        tc_buf_puts(out, ",\"port\":null,\"state\":");
    else
        tc_buf_printf(out, ",\"port\":%u,\"state\":", (unsigned)r->port);
}

/* The keys of a result's object, without the closing brace. */
static void json_result_keys(struct tc_buf *out, const struct tc_options *opt,
                             const struct tc_result *r)
{
    json_host_port(out, r);
    json_cstring(out, tc_state_word(r->state));
    tc_buf_puts(out, ",\"address\":");
    json_address(out, r);
    tc_buf_puts(out, ",\"rtt_ms\":");
    if (r->rtt >= 0)
        put_ms(out, r->rtt);
    else
        tc_buf_puts(out, "null");
    tc_buf_printf(out, ",\"attempts\":%u,\"elapsed_ms\":", r->attempts);
    put_ms(out, r->elapsed);
    if (r->state != TC_OPEN || r->mismatch == TC_MISMATCH_EXPECT_CLOSED) {
        tc_buf_puts(out, ",\"error\":");
        json_error(out, opt, r);
    }
    if (opt->expect != NULL) {
        tc_buf_puts(out, ",\"reply\":");
        tc_json_string(out, r->reply, r->reply != NULL ? r->reply_len : 0);
    }
}

void tc_format_json(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r)
{
    json_result_keys(out, opt, r);
    tc_buf_puts(out, "}");
}

/* ---- ping mode ---------------------------------------------------------------------------- */

/* "HOST port PORT", and " (ADDRESS)" after a name when asked: the address is news only when the
 * host is a name. */
static void put_probe_target(struct tc_buf *out, const struct tc_result *r, bool with_address)
{
    tc_escape_string(out, r->host);
    if (r->unix_socket) /* the path alone, as in every other line about it */
        return;
    if (with_address && r->has_address && !r->host_numeric)
        put_address(out, r);
    tc_buf_printf(out, " port %u", (unsigned)r->port);
}

/* Why a probe did not open, in the words its failure line ends with (through a proxy, what the
 * proxy answered, or how the proxy itself failed). */
static void put_failure_detail(struct tc_buf *out, const struct tc_options *opt,
                               const struct tc_result *r)
{
    if (proxy_failed(opt, r)) {
        format_proxy_failure(out, opt, r);
        return;
    }
    switch (r->state) {
    case TC_REFUSED:
        put_refusal_words(out, opt, r, ECONNREFUSED);
        return;
    case TC_UNREACHABLE:
        put_refusal_words(out, opt, r, EHOSTUNREACH);
        return;
    case TC_TIMEOUT:
        if (opt->proxy && proxy_said_timeout(r)) {
            put_proxy_answer(out, opt, r);
            return;
        }
        tc_buf_puts(out, "timed out after ");
        put_time(out, deadline_text(opt, r));
        return;
    case TC_UNRESOLVED:
        put_unresolved_reason(out, opt, r);
        return;
    case TC_MISMATCH:
        put_mismatch_reason(out, opt, r);
        return;
    case TC_ERROR:
        put_local_error(out, r, "");
        return;
    case TC_OPEN:
        return;
    }
}

/* "Connected to db (10.0.0.5) port 5432: seq=3 time=0.412 ms" for an open probe, else
 * "db port 5432: seq=4 refused (Connection refused)", with " time=... ms" after the state when
 * the probe connected (a mismatch) and, with -v, the address after a name on every line. */
void tc_format_probe(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r,
                     uint64_t seq)
{
    if (r->state == TC_OPEN) {
        tc_buf_puts(out, "Connected to ");
        put_probe_target(out, r, true);
        tc_buf_printf(out, ": seq=%llu time=", (unsigned long long)seq);
        put_ms(out, r->rtt);
        tc_buf_puts(out, " ms");
        return;
    }
    put_probe_target(out, r, opt->verbose > 0);
    tc_buf_printf(out, ": seq=%llu %s", (unsigned long long)seq, tc_state_word(r->state));
    if (r->rtt >= 0) {
        tc_buf_puts(out, " time=");
        put_ms(out, r->rtt);
        tc_buf_puts(out, " ms");
    }
    tc_buf_puts(out, " (");
    put_failure_detail(out, opt, r);
    tc_buf_puts(out, ")");
}

void tc_format_probe_json(struct tc_buf *out, const struct tc_options *opt,
                          const struct tc_result *r, uint64_t seq)
{
    json_result_keys(out, opt, r);
    tc_buf_printf(out, ",\"seq\":%llu}", (unsigned long long)seq);
}

/* The share of probes that did not open, like ping's "%g%%": "10%", "33.33%", "0%" (rounded
 * to two decimals, trailing zeros dropped; never 0% or 100% unless it is). */
static void put_percent_failed(struct tc_buf *out, const struct tc_ping_summary *s)
{
    uint64_t failed = s->probes - s->open;
    unsigned long long h = (unsigned long long)((failed * 10000 + s->probes / 2) / s->probes);
    if (h == 0 && failed > 0)
        h = 1;
    else if (h == 10000 && s->open > 0)
        h = 9999;
    if (h % 100 == 0)
        tc_buf_printf(out, "%llu%%", h / 100);
    else if (h % 10 == 0)
        tc_buf_printf(out, "%llu.%llu%%", h / 100, h % 100 / 10);
    else
        tc_buf_printf(out, "%llu.%02llu%%", h / 100, h % 100);
}

/* ping's shape, three lines (two when no probe connected), each ending in a newline:
 *   --- db port 5432 ---
 *   10 probes, 9 open, 10% failed, time 9.0 s
 *   rtt min/avg/max/mdev = 0.301/0.412/0.980/0.121 ms */
void tc_format_ping_summary(struct tc_buf *out, const struct tc_result *r,
                            const struct tc_ping_summary *s)
{
    tc_buf_puts(out, "--- ");
    put_probe_target(out, r, false);
    tc_buf_printf(out, " ---\n%llu probes, %llu open, ", (unsigned long long)s->probes,
                  (unsigned long long)s->open);
    if (s->probes > 0) {
        put_percent_failed(out, s);
        tc_buf_puts(out, " failed, ");
    }
    tc_buf_puts(out, "time ");
    put_seconds_tenths(out, s->time);
    tc_buf_puts(out, " s\n");
    if (s->open == 0)
        return;
    tc_buf_puts(out, "rtt min/avg/max/mdev = ");
    put_ms(out, s->rtt_min);
    tc_buf_puts(out, "/");
    put_ms(out, s->rtt_avg);
    tc_buf_puts(out, "/");
    put_ms(out, s->rtt_max);
    tc_buf_puts(out, "/");
    put_ms(out, s->rtt_mdev);
    tc_buf_puts(out, " ms\n");
}

static void json_ms_or_null(struct tc_buf *out, const char *key, bool known, tc_usec usec)
{
    tc_buf_printf(out, ",\"%s\":", key);
    if (known)
        put_ms(out, usec);
    else
        tc_buf_puts(out, "null");
}

void tc_format_ping_summary_json(struct tc_buf *out, const struct tc_result *r,
                                 const struct tc_ping_summary *s)
{
    json_host_port(out, r);
    if (s->probes > 0)
        json_cstring(out, tc_state_word(r->state));
    else
        tc_buf_puts(out, "null");
    tc_buf_printf(out, ",\"probes\":%llu,\"open\":%llu", (unsigned long long)s->probes,
                  (unsigned long long)s->open);
    bool rtt = s->open > 0;
    json_ms_or_null(out, "rtt_min_ms", rtt, s->rtt_min);
    json_ms_or_null(out, "rtt_avg_ms", rtt, s->rtt_avg);
    json_ms_or_null(out, "rtt_max_ms", rtt, s->rtt_max);
    json_ms_or_null(out, "rtt_mdev_ms", rtt, s->rtt_mdev);
    json_ms_or_null(out, "elapsed_ms", true, s->time);
    tc_buf_puts(out, ",\"summary\":true}");
}

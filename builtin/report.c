/* report.c: the words the contract promises (SPEC "Output"), written into growable buffers.
 *
 * Nothing here prints: the only outside calls are getservbyport() (the service name of a -v
 * line) and if_indextoname() (the %scope of a link-local address).  Every byte that came from
 * the user or the network goes out through tc_escape_text() or tc_json_string(), so a hostile
 * host name or peer can neither drive a terminal nor break the JSON.
 */
#include "report.h"

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

/* ---- growable buffer ---------------------------------------------------------------------- */

void tc_buf_free(struct tc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

/* Clears `failed` too: the buffer is empty again, so the next line gets a fresh chance. */
void tc_buf_reset(struct tc_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Makes room for `extra` more bytes plus the terminating NUL; false (and `failed`) if not. */
static bool buf_reserve(struct tc_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra >= SIZE_MAX - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap != 0 ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = true;
        return false;
    }
    b->data = grown;
    b->cap = cap;
    return true;
}

/* Appending nothing still allocates, so a formatted (possibly empty) line is never NULL. */
void tc_buf_append(struct tc_buf *b, const void *p, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    if (n != 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void tc_buf_puts(struct tc_buf *b, const char *s)
{
    tc_buf_append(b, s, strlen(s));
}

void tc_buf_printf(struct tc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* ---- escaping ----------------------------------------------------------------------------- */

static const char hex_digits[] = "0123456789abcdef";

static void escape_byte(struct tc_buf *out, unsigned char c)
{
    char named = c == '\r' ? 'r' : c == '\n' ? 'n' : c == '\t' ? 't' : c == '\0' ? '0' : 0;
    if (named != 0) {
        char esc[2] = {'\\', named};
        tc_buf_append(out, esc, sizeof esc);
    } else if (c >= 0x20 && c <= 0x7e) {
        tc_buf_append(out, &c, 1);
    } else {
        char esc[4] = {'\\', 'x', hex_digits[c >> 4], hex_digits[c & 0xf]};
        tc_buf_append(out, esc, sizeof esc);
    }
}

void tc_escape_text(struct tc_buf *out, const unsigned char *s, size_t n)
{
    tc_buf_append(out, "", 0);
    for (size_t i = 0; i < n; i++)
        escape_byte(out, s[i]);
}

/* A NUL-terminated string, escaped for people. */
static void put_text(struct tc_buf *out, const char *s)
{
    tc_escape_text(out, (const unsigned char *)s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629 table 3-7: no overlong forms,
 * no surrogates, nothing above U+10FFFF, nothing truncated), or 0 if there is none. */
static size_t utf8_sequence_length(const unsigned char *s, size_t n)
{
    unsigned char lead = s[0], lo = 0x80, hi = 0xbf;
    size_t len;
    if (lead >= 0xc2 && lead <= 0xdf) {
        len = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        len = 3;
        lo = lead == 0xe0 ? 0xa0 : lo; /* below: overlong */
        hi = lead == 0xed ? 0x9f : hi; /* above: surrogates */
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        len = 4;
        lo = lead == 0xf0 ? 0x90 : lo; /* below: overlong */
        hi = lead == 0xf4 ? 0x8f : hi; /* above: beyond U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

static void json_escape_code(struct tc_buf *out, unsigned code)
{
    char esc[6] = {'\\', 'u', '0', '0', hex_digits[(code >> 4) & 0xf], hex_digits[code & 0xf]};
    tc_buf_append(out, esc, sizeof esc);
}

static void json_ascii(struct tc_buf *out, unsigned char c)
{
    char named = c == '"'    ? '"'
                 : c == '\\' ? '\\'
                 : c == '\b' ? 'b'
                 : c == '\f' ? 'f'
                 : c == '\n' ? 'n'
                 : c == '\r' ? 'r'
                 : c == '\t' ? 't'
                             : 0;
    if (named != 0) {
        char esc[2] = {'\\', named};
        tc_buf_append(out, esc, sizeof esc);
    } else if (c < 0x20 || c == 0x7f) {
        json_escape_code(out, c);
    } else {
        tc_buf_append(out, &c, 1);
    }
}

void tc_json_string(struct tc_buf *out, const unsigned char *s, size_t n)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    tc_buf_append(out, "\"", 1);
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            json_ascii(out, s[i++]);
            continue;
        }
        size_t len = utf8_sequence_length(s + i, n - i);
        if (len == 0) {
            tc_buf_append(out, replacement, 3);
            i++;
        } else if (len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) {
            /* C1 controls (U+0080-U+009F) are control characters too: escaped, not raw. */
            json_escape_code(out, s[i + 1]);
            i += 2;
        } else {
            tc_buf_append(out, s + i, len);
            i += len;
        }
    }
    tc_buf_append(out, "\"", 1);
}

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
        put_text(out, se->s_name);
    else
        tc_buf_puts(out, "*");
}

/* ---- failure lines ------------------------------------------------------------------------ */

static void put_connect_prefix(struct tc_buf *out, const struct tc_result *r)
{
    tc_buf_puts(out, "connect to ");
    put_text(out, r->host);
    tc_buf_printf(out, " port %u (tcp) ", (unsigned)r->port);
}

/* refused / unreachable: the errno says which; a missing one falls back to the state's own. */
static void format_connect_failed(struct tc_buf *out, const struct tc_result *r, int fallback)
{
    put_connect_prefix(out, r);
    tc_buf_puts(out, "failed: ");
    put_text(out, strerror(r->sys_errno != 0 ? r->sys_errno : fallback));
}

static void format_local_error(struct tc_buf *out, const struct tc_result *r)
{
    put_connect_prefix(out, r);
    tc_buf_puts(out, "failed");
    if (r->error_context != NULL) {
        tc_buf_puts(out, ": ");
        put_text(out, r->error_context);
    }
    if (r->sys_errno != 0) {
        tc_buf_puts(out, ": ");
        put_text(out, strerror(r->sys_errno));
    }
}

/* The time a timed-out attempt was given, as the user wrote it. */
static const char *deadline_text(const struct tc_options *opt, const struct tc_result *r)
{
    return r->deadline_text != NULL ? r->deadline_text : opt->limit.text;
}

static void format_timeout(struct tc_buf *out, const struct tc_options *opt,
                           const struct tc_result *r)
{
    put_connect_prefix(out, r);
    tc_buf_puts(out, "timed out after ");
    put_text(out, deadline_text(opt, r));
    tc_buf_puts(out, " s");
}

static const char *no_address_words(int family)
{
    if (family == AF_INET)
        return "no IPv4 address";
    if (family == AF_INET6)
        return "no IPv6 address";
    return "No address associated with hostname";
}

static void format_unresolved(struct tc_buf *out, const struct tc_options *opt,
                              const struct tc_result *r)
{
    put_text(out, r->host);
    tc_buf_puts(out, ": ");
    switch (r->resolve_failure) {
    case TC_RESOLVE_NONAME:
        tc_buf_puts(out, "Name or service not known");
        return;
    case TC_RESOLVE_NOADDRESS:
        tc_buf_puts(out, no_address_words(opt->family));
        return;
    case TC_RESOLVE_TIMEOUT:
        tc_buf_puts(out, "name resolution timed out after ");
        put_text(out, deadline_text(opt, r));
        tc_buf_puts(out, " s");
        return;
    case TC_RESOLVE_OTHER:
    case TC_RESOLVE_NONE:
        break;
    }
    tc_buf_puts(out, "name resolution failed");
    if (r->resolve_text != NULL) {
        tc_buf_puts(out, ": ");
        put_text(out, r->resolve_text);
    }
}

static const char *mismatch_words(enum tc_mismatch_reason reason)
{
    switch (reason) {
    case TC_MISMATCH_DEADLINE:
        return "no reply before the deadline";
    case TC_MISMATCH_CLOSED:
        return "closed by peer";
    case TC_MISMATCH_RESET:
        return "reset by peer";
    case TC_MISMATCH_FULL:
        return "no match in the first 4096 bytes";
    case TC_MISMATCH_NONE:
        break;
    }
    return "no match"; /* the engine always gives a reason; this only keeps the line sane */
}

static void format_mismatch(struct tc_buf *out, const struct tc_options *opt,
                            const struct tc_result *r)
{
    put_text(out, r->host);
    if (opt->expect == NULL) { /* -S alone: the peer went away before the data could go */
        tc_buf_printf(out, " port %u: could not send: %s", (unsigned)r->port,
                      mismatch_words(r->mismatch));
        return;
    }
    tc_buf_printf(out, " port %u: reply did not match '", (unsigned)r->port);
    put_text(out, opt->expect);
    tc_buf_puts(out, "': ");
    tc_buf_puts(out, mismatch_words(r->mismatch));
    tc_buf_puts(out, ": \"");
    tc_escape_text(out, r->reply, r->reply != NULL ? r->reply_len : 0);
    tc_buf_puts(out, "\"");
}

/* Appends to `out` (callers reset it between lines); an open result adds nothing. */
void tc_format_failure(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r)
{
    tc_buf_append(out, "", 0);
    switch (r->state) {
    case TC_OPEN:
        return;
    case TC_REFUSED:
        format_connect_failed(out, r, ECONNREFUSED);
        return;
    case TC_UNREACHABLE:
        format_connect_failed(out, r, EHOSTUNREACH);
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
        format_local_error(out, r);
        return;
    }
}

/* ---- success lines ------------------------------------------------------------------------ */

/* nc -zv's words: "Connection to HOST PORT port [tcp/SERVICE] succeeded!"; -vv inserts the
 * address after the host and appends the connect time. */
void tc_format_success(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r,
                       tc_usec waited)
{
    bool very_verbose = opt->verbose >= 2;
    tc_buf_puts(out, "Connection to ");
    put_text(out, r->host);
    if (very_verbose && r->has_address) {
        char address[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
        tc_format_address(&r->address, address, sizeof address);
        tc_buf_puts(out, " (");
        put_text(out, address);
        tc_buf_puts(out, ")");
    }
    tc_buf_printf(out, " %u port [tcp/", (unsigned)r->port);
    put_service(out, r->port);
    if (waited >= 0) {
        tc_buf_puts(out, "] succeeded after ");
        put_seconds_tenths(out, waited);
        tc_buf_puts(out, " s");
    } else {
        tc_buf_puts(out, "] succeeded!");
    }
    if (very_verbose && r->rtt >= 0) {
        tc_buf_puts(out, " (");
        put_ms(out, r->rtt);
        tc_buf_puts(out, " ms)");
    }
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_cstring(struct tc_buf *out, const char *s)
{
    tc_json_string(out, (const unsigned char *)s, strlen(s));
}

static void json_address(struct tc_buf *out, const struct tc_result *r)
{
    char address[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "";
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

void tc_format_json(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r)
{
    tc_buf_puts(out, "{\"host\":");
    json_cstring(out, r->host);
    tc_buf_printf(out, ",\"port\":%u,\"state\":", (unsigned)r->port);
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
    if (r->state != TC_OPEN) {
        tc_buf_puts(out, ",\"error\":");
        json_error(out, opt, r);
    }
    if (opt->expect != NULL) {
        tc_buf_puts(out, ",\"reply\":");
        tc_json_string(out, r->reply, r->reply != NULL ? r->reply_len : 0);
    }
    tc_buf_puts(out, "}");
}

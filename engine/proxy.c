/* SPDX-License-Identifier: GPL-3.0-or-later */
/* proxy.c: the handshake with a proxy (tcpcheck(1), PROXIES), one non-blocking step at a time.
 *
 * SOCKS5 (RFC 1928): a greeting offering "no authentication" (and "username/password", RFC 1929,
 * when -x has USER:PASS@), the method the proxy chose, the credentials if it chose them, then
 * CONNECT with the target's address (socks5://) or name (socks5h://).  HTTP: `CONNECT HOST:PORT
 * HTTP/1.1` with Host (and Proxy-Authorization: Basic), then the status line and the headers up
 * to the blank line.  Each reply is read into `in`; whatever follows the last reply is the
 * target's, never the proxy's, and is handed on as such.
 *
 * What an answer means is decided here, from what the proxy said and nothing else:
 *  - SOCKS5 reply 0 and HTTP 2xx: the tunnel is up;
 *  - SOCKS5 replies 2 (not allowed by ruleset), 3 (network unreachable), 4 (host unreachable):
 *    unreachable; 5: refused; 6 (TTL expired): timeout; 1 (general failure), 7, 8 and unknown
 *    codes say nothing of the target: error;
 *  - HTTP 504: timeout; 502, 503 and tinyproxy's "500 Unable to connect" (its answer for a
 *    target that refused, is unreachable or does not resolve): unreachable; 403 (a rule forbids
 *    the target: tinyproxy's ConnectPort, "Access violation") unreachable, except tinyproxy's
 *    "403 Access denied", which refuses this client: error; 401 and 407 (credentials): error;
 *    any other status: error;
 *  - a SOCKS5 proxy that answered the greeting but not yet the request when the deadline comes
 *    is still connecting to the target: timeout; a proxy silent before that, or an HTTP proxy
 *    silent after CONNECT (a silent proxy and one still connecting look the same): error.
 * The proxy's own failures (silent, closing, garbage, authentication) are errors: the target
 * was not tested.
 */
#include "proxy.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define IN_MAX 4096 /* a SOCKS5 reply is at most 262 bytes; an HTTP header must fit this */
#define OUT_MAX                                                                                    \
    2048             /* the longest message: CONNECT with a 254-byte name and Basic credentials of \
                        255 + 255 bytes takes about 1300 */
#define TEXT_MAX 200 /* how much of the proxy's words a message shows */

enum step {
    SOCKS_GREETING, /* sent the methods, reading the choice */
    SOCKS_AUTH,     /* sent the credentials, reading the status */
    SOCKS_REQUEST,  /* sent CONNECT, reading the reply */
    HTTP_CONNECT,   /* sent CONNECT, reading the status line and headers */
    STEP_UP,
    STEP_FAILED,
};

/* ---- secrets ---- */

/* Overwrites memory in a way the compiler may not drop as a dead store. */
static void wipe(void *p, size_t n)
{
    for (volatile unsigned char *b = p; n > 0; n--)
        *b++ = 0;
}

static void wipe_out(struct tc_tunnel *t)
{
    if (t->out.data)
        wipe(t->out.data, t->out.cap);
    tc_buf_reset(&t->out);
    t->sent = 0;
}

/* ---- outcomes ---- */

static enum tc_tunnel_want fail(struct tc_tunnel *t, enum tc_state state,
                                enum tc_proxy_reason reason, int code)
{
    t->step = STEP_FAILED;
    t->state = state;
    t->reason = reason;
    t->code = code;
    return TC_TUNNEL_FAILED;
}

/* The proxy speaks something else: keep its first bytes for the message. */
static enum tc_tunnel_want garbage(struct tc_tunnel *t)
{
    t->text_len = t->in_len < TEXT_MAX ? t->in_len : TEXT_MAX;
    return fail(t, TC_ERROR, TC_PROXY_GARBAGE, -1);
}

/* Queue the next message: the proxy's reply to the last one is used up. */
static void next_message(struct tc_tunnel *t, enum step step)
{
    wipe_out(t);
    t->in_len = 0;
    t->step = step;
}

/* ---- SOCKS5 ---- */

const char *tc_socks5_reply_words(int code)
{
    static const char *const words[] = {
        "succeeded",
        "general SOCKS server failure",
        "connection not allowed by ruleset",
        "Network unreachable",
        "Host unreachable",
        "Connection refused",
        "TTL expired",
        "Command not supported",
        "Address type not supported",
    };
    if (code < 0 || (size_t)code >= sizeof words / sizeof words[0])
        return NULL;
    return words[code];
}

static bool has_credentials(const struct tc_tunnel *t)
{
    return t->proxy->user != NULL;
}

static void socks_greeting(struct tc_tunnel *t)
{
    static const unsigned char plain[] = {5, 1, 0}, with_auth[] = {5, 2, 0, 2};
    if (has_credentials(t))
        tc_buf_append(&t->out, with_auth, sizeof with_auth);
    else
        tc_buf_append(&t->out, plain, sizeof plain);
}

/* RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD (the parser kept each within 1-255 bytes). */
static void socks_auth(struct tc_tunnel *t)
{
    const char *user = t->proxy->user, *password = t->proxy->password;
    unsigned char len;
    tc_buf_append(&t->out, "\x01", 1);
    len = (unsigned char)strlen(user);
    tc_buf_append(&t->out, &len, 1);
    tc_buf_append(&t->out, user, len);
    len = (unsigned char)strlen(password);
    tc_buf_append(&t->out, &len, 1);
    tc_buf_append(&t->out, password, len);
}

/* CONNECT with the target's address (ATYP 1 or 4) or name (ATYP 3; it fits: see begin). */
static void socks_request(struct tc_tunnel *t)
{
    unsigned char head[4] = {5, 1, 0, 0};
    uint16_t nport = htons(t->port);
    if (t->addr_given && t->addr.ss_family == AF_INET) {
        head[3] = 1;
        tc_buf_append(&t->out, head, sizeof head);
        tc_buf_append(&t->out, &((const struct sockaddr_in *)&t->addr)->sin_addr, 4);
    } else if (t->addr_given) {
        head[3] = 4;
        tc_buf_append(&t->out, head, sizeof head);
        tc_buf_append(&t->out, &((const struct sockaddr_in6 *)&t->addr)->sin6_addr, 16);
    } else { /* a host name is at most 254 bytes (tcpcheck(1), TARGETS): ATYP 3 holds 255 */
        unsigned char len = (unsigned char)strlen(t->name);
        head[3] = 3;
        tc_buf_append(&t->out, head, sizeof head);
        tc_buf_append(&t->out, &len, 1);
        tc_buf_append(&t->out, t->name, len);
    }
    tc_buf_append(&t->out, &nport, 2);
}

static enum tc_tunnel_want socks_method_chosen(struct tc_tunnel *t)
{
    if (t->in_len < 2)
        return t->in_len == 1 && t->in[0] != 5 ? garbage(t) : TC_TUNNEL_READ;
    if (t->in[0] != 5 || t->in_len > 2) /* a proxy does not speak before its turn */
        return garbage(t);
    switch (t->in[1]) {
    case 0:
        next_message(t, SOCKS_REQUEST);
        socks_request(t);
        return TC_TUNNEL_WRITE;
    case 2:
        if (!has_credentials(t))
            return garbage(t);
        next_message(t, SOCKS_AUTH);
        socks_auth(t);
        return TC_TUNNEL_WRITE;
    case 0xff:
        return fail(t, TC_ERROR, TC_PROXY_NO_METHOD, 0xff);
    default: /* a method we did not offer */
        return garbage(t);
    }
}

/* RFC 1929: VER, STATUS; 0 is success.  (The version byte is not checked: servers differ.) */
static enum tc_tunnel_want socks_auth_status(struct tc_tunnel *t)
{
    if (t->in_len < 2)
        return TC_TUNNEL_READ;
    if (t->in_len > 2)
        return garbage(t);
    if (t->in[1] != 0)
        return fail(t, TC_ERROR, TC_PROXY_AUTH, t->in[1]);
    next_message(t, SOCKS_REQUEST);
    socks_request(t);
    return TC_TUNNEL_WRITE;
}

/* Length of a successful reply (VER REP RSV ATYP BND.ADDR BND.PORT); 0 until it is known. */
static size_t socks_reply_length(const unsigned char *in, size_t n)
{
    if (n < 5)
        return 0;
    switch (in[3]) {
    case 1:
        return 4 + 4 + 2;
    case 3:
        return 4 + 1 + (size_t)in[4] + 2;
    case 4:
        return 4 + 16 + 2;
    default:
        return SIZE_MAX;
    }
}

/* tcpcheck(1), PROXIES: each reply code's state. */
static enum tc_tunnel_want socks_failed(struct tc_tunnel *t, int rep)
{
    switch (rep) {
    case 2: /* connection not allowed by ruleset */
    case 3: /* network unreachable */
    case 4: /* host unreachable */
        return fail(t, TC_UNREACHABLE, TC_PROXY_ANSWER, rep);
    case 5:
        return fail(t, TC_REFUSED, TC_PROXY_ANSWER, rep);
    case 6: /* TTL expired: the proxy's connect timed out */
        return fail(t, TC_TIMEOUT, TC_PROXY_ANSWER, rep);
    default: /* 1 general failure, 7, 8, unknown: nothing about the target */
        return fail(t, TC_ERROR, TC_PROXY_FAILURE, rep);
    }
}

static enum tc_tunnel_want socks_connect_reply(struct tc_tunnel *t)
{
    if (t->in_len >= 1 && t->in[0] != 5)
        return garbage(t);
    if (t->in_len < 2)
        return TC_TUNNEL_READ;
    if (t->in[1] != 0)
        return socks_failed(t, t->in[1]);
    size_t len = socks_reply_length(t->in, t->in_len);
    if (len == SIZE_MAX || (len == 0 && t->in_len >= 5))
        return garbage(t);
    if (len == 0 || t->in_len < len)
        return TC_TUNNEL_READ;
    t->reply_end = len;
    t->step = STEP_UP;
    return TC_TUNNEL_UP;
}

/* ---- HTTP CONNECT ---- */

static void base64(struct tc_buf *out, const unsigned char *s, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char quad[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63],
                        i + 1 < n ? alphabet[v >> 6 & 63] : '=',
                        i + 2 < n ? alphabet[v & 63] : '='};
        tc_buf_append(out, quad, 4);
    }
}

/* HOST:PORT as a request target (RFC 9110 9.3.6): an IPv6 literal in brackets. */
static void http_authority(struct tc_buf *out, const char *name, uint16_t port)
{
    bool v6 = strchr(name, ':') != NULL;
    tc_buf_printf(out, "%s%s%s:%u", v6 ? "[" : "", name, v6 ? "]" : "", (unsigned)port);
}

static void http_connect(struct tc_tunnel *t, const char *name, uint16_t port)
{
    tc_buf_puts(&t->out, "CONNECT ");
    http_authority(&t->out, name, port);
    tc_buf_puts(&t->out, " HTTP/1.1\r\nHost: ");
    http_authority(&t->out, name, port);
    tc_buf_puts(&t->out, "\r\n");
    if (has_credentials(t)) {
        struct tc_buf plain = {0};
        tc_buf_printf(&plain, "%s:%s", t->proxy->user, t->proxy->password);
        tc_buf_puts(&t->out, "Proxy-Authorization: Basic ");
        if (plain.failed)
            t->out.failed = true;
        else
            base64(&t->out, (const unsigned char *)plain.data, plain.len);
        if (plain.data)
            wipe(plain.data, plain.cap);
        tc_buf_free(&plain);
        tc_buf_puts(&t->out, "\r\n");
    }
    tc_buf_puts(&t->out, "\r\n");
}

static const unsigned char *find_bytes(const unsigned char *s, size_t n, const char *what)
{
    size_t k = strlen(what);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, what, k) == 0)
            return s + i;
    return NULL;
}

/* Where the header ends (after its blank line), or 0 while it has not. */
static size_t http_header_end(const unsigned char *in, size_t n)
{
    const unsigned char *crlf = find_bytes(in, n, "\r\n\r\n"), *lf = find_bytes(in, n, "\n\n");
    if (crlf && (!lf || crlf < lf))
        return (size_t)(crlf - in) + 4;
    return lf ? (size_t)(lf - in) + 2 : 0;
}

/* The reason phrase after "HTTP/x.y NNN " is `words` (any case)? */
static bool reason_is(const unsigned char *line, size_t len, const char *words)
{
    const unsigned char *sp = memchr(line, ' ', len);
    size_t k = strlen(words), at = sp ? (size_t)(sp - line) + 5 : len;
    return at + k == len && strncasecmp((const char *)line + at, words, k) == 0;
}

/* tcpcheck(1), PROXIES: what an HTTP status says of the target. */
static enum tc_tunnel_want http_failed(struct tc_tunnel *t, int status, size_t line_len)
{
    const unsigned char *line = t->in;
    t->text_len = line_len < TEXT_MAX ? line_len : TEXT_MAX;
    if (status == 504)
        return fail(t, TC_TIMEOUT, TC_PROXY_ANSWER, status);
    if (status == 502 || status == 503 ||
        (status == 500 && reason_is(line, line_len, "Unable to connect")))
        return fail(t, TC_UNREACHABLE, TC_PROXY_ANSWER, status);
    if (status == 403 && !reason_is(line, line_len, "Access denied"))
        return fail(t, TC_UNREACHABLE, TC_PROXY_ANSWER, status);
    if (status == 401 || status == 407)
        return fail(t, TC_ERROR, TC_PROXY_AUTH, status);
    return fail(t, TC_ERROR, TC_PROXY_FAILURE, status);
}

/* "HTTP/1.1 200 ..." -> 200; -1 when the line is not a status line. */
static int http_status(const unsigned char *line, size_t len)
{
    if (len < 12 || memcmp(line, "HTTP/", 5) != 0)
        return -1;
    const unsigned char *sp = memchr(line, ' ', len);
    if (!sp || (size_t)(sp - line) + 4 > len)
        return -1;
    int status = 0;
    for (int i = 1; i <= 3; i++) {
        if (sp[i] < '0' || sp[i] > '9')
            return -1;
        status = status * 10 + (sp[i] - '0');
    }
    if ((size_t)(sp - line) + 4 < len && sp[4] != ' ')
        return -1;
    return status >= 100 ? status : -1;
}

static enum tc_tunnel_want http_reply(struct tc_tunnel *t)
{
    size_t prefix = t->in_len < 5 ? t->in_len : 5;
    if (memcmp(t->in, "HTTP/", prefix) != 0)
        return garbage(t);
    const unsigned char *nl = memchr(t->in, '\n', t->in_len);
    if (!nl)
        return t->in_len == IN_MAX ? garbage(t) : TC_TUNNEL_READ;
    size_t line_len = (size_t)(nl - t->in);
    if (line_len > 0 && t->in[line_len - 1] == '\r')
        line_len--;
    int status = http_status(t->in, line_len);
    if (status < 0)
        return garbage(t);
    if (status < 200 || status > 299)
        return http_failed(t, status, line_len);
    size_t end = http_header_end(t->in, t->in_len);
    if (!end) {
        if (t->in_len < IN_MAX)
            return TC_TUNNEL_READ;
        t->text_len = line_len < TEXT_MAX ? line_len : TEXT_MAX;
        return fail(t, TC_ERROR, TC_PROXY_GARBAGE, status); /* a header that never ends */
    }
    t->reply_end = end;
    t->step = STEP_UP;
    return TC_TUNNEL_UP;
}

/* ---- driving it ---- */

bool tc_tunnel_begin(struct tc_tunnel *t, const struct tc_proxy *proxy, const char *name,
                     const struct sockaddr_storage *addr, uint16_t port)
{
    tc_tunnel_reset(t);
    t->proxy = proxy;
    t->name = name;
    t->addr_given = addr != NULL;
    if (addr)
        t->addr = *addr;
    t->port = port;
    if (!t->in && !(t->in = malloc(IN_MAX)))
        return false;
    /* Room for every message at once: a buffer that grew would leave a copy of the
     * credentials behind in the memory realloc() let go of. */
    if (!t->out.data) {
        if (!(t->out.data = malloc(OUT_MAX)))
            return false;
        t->out.cap = OUT_MAX;
        t->out.data[0] = '\0';
    }
    if (proxy->kind == TC_PROXY_HTTP) {
        t->step = HTTP_CONNECT;
        http_connect(t, name, port);
    } else {
        t->step = SOCKS_GREETING;
        socks_greeting(t);
    }
    return !t->out.failed;
}

/* The proxy's reply so far, for the current step. */
static enum tc_tunnel_want parse(struct tc_tunnel *t)
{
    switch (t->step) {
    case SOCKS_GREETING:
        return socks_method_chosen(t);
    case SOCKS_AUTH:
        return socks_auth_status(t);
    case SOCKS_REQUEST:
        return socks_connect_reply(t);
    case HTTP_CONNECT:
        return http_reply(t);
    case STEP_UP:
        return TC_TUNNEL_UP;
    default:
        return TC_TUNNEL_FAILED;
    }
}

static enum tc_tunnel_want closed(struct tc_tunnel *t, int err)
{
    t->sys_errno = err == ECONNRESET || err == EPIPE ? ECONNRESET : err;
    return fail(t, TC_ERROR, TC_PROXY_CLOSED, -1);
}

static enum tc_tunnel_want send_some(struct tc_tunnel *t, int fd)
{
    ssize_t n;
    do
        n = send(fd, t->out.data + t->sent, t->out.len - t->sent, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return TC_TUNNEL_WRITE;
    if (n < 0)
        return closed(t, errno);
    t->sent += (size_t)n;
    if (t->sent < t->out.len)
        return TC_TUNNEL_WRITE;
    wipe_out(t); /* sent: credentials do not stay in memory */
    t->in_len = 0;
    return TC_TUNNEL_READ;
}

static enum tc_tunnel_want read_some(struct tc_tunnel *t, int fd)
{
    ssize_t n;
    do
        n = read(fd, t->in + t->in_len, IN_MAX - t->in_len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return TC_TUNNEL_READ;
    if (n < 0)
        return closed(t, errno);
    if (n == 0) /* a reply cut short is garbage; no reply at all, a closed connection */
        return t->in_len > 0 ? garbage(t) : closed(t, 0);
    t->in_len += (size_t)n;
    enum tc_tunnel_want want = parse(t);
    /* The next message goes at once: a socket that just delivered a reply takes a few bytes. */
    return want == TC_TUNNEL_WRITE ? send_some(t, fd) : want;
}

enum tc_tunnel_want tc_tunnel_advance(struct tc_tunnel *t, int fd)
{
    if (t->step == STEP_FAILED)
        return TC_TUNNEL_FAILED;
    if (t->step == STEP_UP)
        return TC_TUNNEL_UP;
    if (t->out.failed) { /* a message could not be built: a local failure, not the proxy's */
        t->sys_errno = ENOMEM;
        return fail(t, TC_ERROR, TC_PROXY_NONE, -1);
    }
    if (t->sent < t->out.len)
        return send_some(t, fd);
    return read_some(t, fd);
}

void tc_tunnel_expire(struct tc_tunnel *t)
{
    if (t->step == STEP_UP || t->step == STEP_FAILED)
        return;
    /* A SOCKS5 proxy that chose a method (and took the credentials) has shown it works; silence
     * after CONNECT is the proxy still connecting to the target. */
    if (t->step == SOCKS_REQUEST && t->out.len == 0)
        fail(t, TC_TIMEOUT, TC_PROXY_ANSWER, -1);
    else
        fail(t, TC_ERROR, TC_PROXY_SILENT, -1);
}

const unsigned char *tc_tunnel_rest(const struct tc_tunnel *t, size_t *n)
{
    *n = t->step == STEP_UP ? t->in_len - t->reply_end : 0;
    return t->in + t->reply_end;
}

void tc_tunnel_reset(struct tc_tunnel *t)
{
    wipe_out(t);
    unsigned char *in = t->in;
    struct tc_buf out = t->out;
    *t = (struct tc_tunnel){.in = in, .out = out, .code = -1};
}

void tc_tunnel_free(struct tc_tunnel *t)
{
    wipe_out(t);
    tc_buf_free(&t->out);
    free(t->in);
    *t = (struct tc_tunnel){.code = -1};
}

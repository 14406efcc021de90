/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_proxy.c: the proxy handshake (proxy.c) byte by byte over a socketpair, against
 * tcpcheck(1), PROXIES: what is sent (SOCKS5 greeting, RFC 1929 credentials, CONNECT with an
 * address or a name, HTTP CONNECT with Basic credentials), what each answer means, where the
 * target's bytes start, and that credentials do not stay in memory once sent. */
#define _GNU_SOURCE /* memmem */
#include "proxy.h"
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a proxy at the other end of a socketpair ---- */

struct wire {
    int ours, theirs;
};

static void wire_open(struct wire *w)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        perror("socketpair");
        exit(2);
    }
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    w->ours = fds[0];
    w->theirs = fds[1];
}

static void wire_close(struct wire *w)
{
    close(w->ours);
    if (w->theirs >= 0)
        close(w->theirs);
}

/* What the proxy received since last asked. */
static size_t heard(struct wire *w, unsigned char *buf, size_t cap)
{
    ssize_t n = read(w->theirs, buf, cap);
    return n > 0 ? (size_t)n : 0;
}

static bool heard_exactly(struct wire *w, const void *want, size_t n)
{
    unsigned char buf[2048];
    size_t got = heard(w, buf, sizeof buf);
    if (got != n || memcmp(buf, want, n) != 0) {
        fprintf(stderr, "  heard %zu bytes, want %zu\n", got, n);
        return false;
    }
    return true;
}

/* Advance while the handshake can write (a socketpair always takes these few bytes). */
static enum tc_tunnel_want pump(struct tc_tunnel *t, struct wire *w)
{
    enum tc_tunnel_want want;
    do
        want = tc_tunnel_advance(t, w->ours);
    while (want == TC_TUNNEL_WRITE);
    return want;
}

/* The proxy says `n` bytes; the handshake reads them. */
static enum tc_tunnel_want say(struct tc_tunnel *t, struct wire *w, const void *p, size_t n)
{
    if (write(w->theirs, p, n) != (ssize_t)n)
        return TC_TUNNEL_FAILED;
    return pump(t, w);
}

#define SAY(t, w, lit) say((t), (w), (lit), sizeof(lit) - 1)

static struct tc_proxy proxy_of(enum tc_proxy_kind kind, const char *user, const char *password)
{
    struct tc_proxy p = {.kind = kind, .port = 1080};
    p.host.name = (char *)"127.0.0.1";
    p.host.numeric = true;
    p.user = (char *)user;
    p.password = (char *)password;
    return p;
}

static bool rest_is(const struct tc_tunnel *t, const char *want)
{
    size_t n;
    const unsigned char *rest = tc_tunnel_rest(t, &n);
    return n == strlen(want) && memcmp(rest, want, n) == 0;
}

static bool text_is(const struct tc_tunnel *t, const char *want)
{
    return t->text_len == strlen(want) && memcmp(t->in, want, t->text_len) == 0;
}

/* ---- SOCKS5 ---- */

/* A socks5h:// handshake up to the CONNECT reply: greeting, "no auth", the request with a name. */
static void socks_to_request(struct tc_tunnel *t, struct wire *w, const struct tc_proxy *px)
{
    wire_open(w);
    CHECK(tc_tunnel_begin(t, px, "db", NULL, 22));
    CHECK(pump(t, w) == TC_TUNNEL_READ);
    CHECK(heard_exactly(w, "\x05\x01\x00", 3));
    CHECK(SAY(t, w, "\x05\x00") == TC_TUNNEL_READ);
    CHECK(heard_exactly(w,
                        "\x05\x01\x00\x03\x02"
                        "db\x00\x16",
                        9));
}

static void test_socks_name(void)
{
    struct tc_proxy px = proxy_of(TC_PROXY_SOCKS5H, NULL, NULL);
    struct tc_tunnel t = {0};
    struct wire w;
    socks_to_request(&t, &w, &px);
    /* The reply with an IPv4 BND.ADDR, then the target's first bytes in the same segment. */
    CHECK(SAY(&t, &w, "\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38SSH-2.0") == TC_TUNNEL_UP);
    CHECK(rest_is(&t, "SSH-2.0"));
    wire_close(&w);
    tc_tunnel_free(&t);
}

static void test_socks_address_and_credentials(void)
{
    struct tc_proxy px = proxy_of(TC_PROXY_SOCKS5, "alice", "s3cret");
    struct tc_tunnel t = {0};
    struct wire w;
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    inet_pton(AF_INET, "10.0.0.5", &in->sin_addr);
    wire_open(&w);
    CHECK(tc_tunnel_begin(&t, &px, "db", &ss, 5432));
    CHECK(pump(&t, &w) == TC_TUNNEL_READ);
    CHECK(heard_exactly(&w, "\x05\x02\x00\x02", 4));
    CHECK(SAY(&t, &w, "\x05\x02") == TC_TUNNEL_READ);
    CHECK(heard_exactly(&w,
                        "\x01\x05"
                        "alice\x06"
                        "s3cret",
                        14));
    /* Sent: the credentials are gone from the tunnel's memory. */
    CHECK(!t.out.data || !memmem(t.out.data, t.out.cap, "s3cret", 6));
    CHECK(SAY(&t, &w, "\x01\x00") == TC_TUNNEL_READ);
    CHECK(heard_exactly(&w, "\x05\x01\x00\x01\x0a\x00\x00\x05\x15\x38", 10));
    /* A reply whose BND.ADDR is a name (ATYP 3), delivered one byte at a time. */
    static const char reply[] = "\x05\x00\x00\x03\x04host\x00\x50";
    for (size_t i = 0; i + 1 < sizeof reply - 1; i++)
        CHECK(say(&t, &w, reply + i, 1) == TC_TUNNEL_READ);
    CHECK(say(&t, &w, reply + sizeof reply - 2, 1) == TC_TUNNEL_UP);
    CHECK(rest_is(&t, ""));
    wire_close(&w);
    tc_tunnel_free(&t);
}

static void test_socks_ipv6(void)
{
    struct tc_proxy px = proxy_of(TC_PROXY_SOCKS5, NULL, NULL);
    struct tc_tunnel t = {0};
    struct wire w;
    struct sockaddr_storage ss = {0};
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    in6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::1", &in6->sin6_addr);
    wire_open(&w);
    CHECK(tc_tunnel_begin(&t, &px, "::1", &ss, 22));
    pump(&t, &w);
    heard_exactly(&w, "\x05\x01\x00", 3);
    CHECK(SAY(&t, &w, "\x05\x00") == TC_TUNNEL_READ);
    CHECK(heard_exactly(&w, "\x05\x01\x00\x04\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x00\x16", 22));
    wire_close(&w);
    tc_tunnel_free(&t);
}

/* tcpcheck(1), PROXIES: each SOCKS5 reply code's state. */
static void test_socks_reply_codes(void)
{
    static const struct {
        unsigned char rep;
        enum tc_state state;
        enum tc_proxy_reason reason;
    } table[] = {
        {1, TC_ERROR, TC_PROXY_FAILURE},      {2, TC_UNREACHABLE, TC_PROXY_ANSWER},
        {3, TC_UNREACHABLE, TC_PROXY_ANSWER}, {4, TC_UNREACHABLE, TC_PROXY_ANSWER},
        {5, TC_REFUSED, TC_PROXY_ANSWER},     {6, TC_TIMEOUT, TC_PROXY_ANSWER},
        {7, TC_ERROR, TC_PROXY_FAILURE},      {8, TC_ERROR, TC_PROXY_FAILURE},
        {9, TC_ERROR, TC_PROXY_FAILURE},      {0xff, TC_ERROR, TC_PROXY_FAILURE},
    };
    struct tc_proxy px = proxy_of(TC_PROXY_SOCKS5H, NULL, NULL);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct tc_tunnel t = {0};
        struct wire w;
        socks_to_request(&t, &w, &px);
        unsigned char reply[2] = {5, table[i].rep}; /* decided on two bytes: dante may close */
        CHECK(say(&t, &w, reply, 2) == TC_TUNNEL_FAILED);
        CHECK(t.state == table[i].state);
        CHECK(t.reason == table[i].reason);
        CHECK(t.code == table[i].rep);
        wire_close(&w);
        tc_tunnel_free(&t);
    }
    CHECK(strcmp(tc_socks5_reply_words(5), "Connection refused") == 0);
    CHECK(tc_socks5_reply_words(9) == NULL);
}

static void test_socks_methods(void)
{
    struct tc_proxy plain = proxy_of(TC_PROXY_SOCKS5H, NULL, NULL);
    struct tc_proxy creds = proxy_of(TC_PROXY_SOCKS5H, "u", "p");
    const struct {
        const struct tc_proxy *px;
        const char *reply;
        size_t len;
        enum tc_proxy_reason reason;
    } table[] = {
        {&plain, "\x05\xff", 2, TC_PROXY_NO_METHOD}, /* wants credentials we lack */
        {&creds, "\x05\xff", 2, TC_PROXY_NO_METHOD},
        {&plain, "\x05\x02", 2, TC_PROXY_GARBAGE}, /* a method not offered */
        {&plain, "\x05\x01", 2, TC_PROXY_GARBAGE},
        {&plain, "\x04\x00", 2, TC_PROXY_GARBAGE},  /* not version 5 */
        {&plain, "\x05\x00x", 3, TC_PROXY_GARBAGE}, /* speaks before its turn */
        {&plain, "HTTP/1.1", 8, TC_PROXY_GARBAGE},  /* an HTTP proxy */
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct tc_tunnel t = {0};
        struct wire w;
        wire_open(&w);
        tc_tunnel_begin(&t, table[i].px, "db", NULL, 22);
        pump(&t, &w);
        CHECK(say(&t, &w, table[i].reply, table[i].len) == TC_TUNNEL_FAILED);
        CHECK(t.state == TC_ERROR);
        CHECK(t.reason == table[i].reason);
        if (table[i].reason == TC_PROXY_GARBAGE)
            CHECK(t.text_len > 0 && t.text_len <= table[i].len);
        wire_close(&w);
        tc_tunnel_free(&t);
    }
}

static void test_socks_auth_refused(void)
{
    struct tc_proxy px = proxy_of(TC_PROXY_SOCKS5H, "u", "p");
    struct tc_tunnel t = {0};
    struct wire w;
    wire_open(&w);
    tc_tunnel_begin(&t, &px, "db", NULL, 22);
    pump(&t, &w);
    CHECK(SAY(&t, &w, "\x05\x02") == TC_TUNNEL_READ);
    CHECK(SAY(&t, &w, "\x01\x01") == TC_TUNNEL_FAILED);
    CHECK(t.state == TC_ERROR && t.reason == TC_PROXY_AUTH && t.code == 1);
    wire_close(&w);
    tc_tunnel_free(&t);
}

static void test_closed_and_expired(void)
{
    struct tc_proxy px = proxy_of(TC_PROXY_SOCKS5H, NULL, NULL);
    struct tc_tunnel t = {0};
    struct wire w;

    /* Closed before a word: closed.  Closed mid-reply: it spoke something else. */
    unsigned char buf[64];
    wire_open(&w);
    tc_tunnel_begin(&t, &px, "db", NULL, 22);
    pump(&t, &w);
    heard(&w, buf, sizeof buf); /* a peer closing with our bytes unread would reset */
    close(w.theirs);
    w.theirs = -1;
    CHECK(pump(&t, &w) == TC_TUNNEL_FAILED);
    CHECK(t.reason == TC_PROXY_CLOSED && t.sys_errno == 0);
    wire_close(&w);

    /* ... and a proxy that resets. */
    wire_open(&w);
    tc_tunnel_begin(&t, &px, "db", NULL, 22);
    pump(&t, &w);
    close(w.theirs);
    w.theirs = -1;
    CHECK(pump(&t, &w) == TC_TUNNEL_FAILED);
    CHECK(t.reason == TC_PROXY_CLOSED && t.sys_errno == ECONNRESET);
    wire_close(&w);

    socks_to_request(&t, &w, &px);
    SAY(&t, &w, "\x05");
    close(w.theirs);
    w.theirs = -1;
    CHECK(pump(&t, &w) == TC_TUNNEL_FAILED);
    CHECK(t.reason == TC_PROXY_GARBAGE && text_is(&t, "\x05"));
    wire_close(&w);

    /* The deadline: silent at the greeting is the proxy's failure; silent after CONNECT, the
     * proxy is still connecting to the target. */
    wire_open(&w);
    tc_tunnel_begin(&t, &px, "db", NULL, 22);
    pump(&t, &w);
    tc_tunnel_expire(&t);
    CHECK(t.state == TC_ERROR && t.reason == TC_PROXY_SILENT);
    wire_close(&w);

    socks_to_request(&t, &w, &px);
    tc_tunnel_expire(&t);
    CHECK(t.state == TC_TIMEOUT && t.reason == TC_PROXY_ANSWER && t.code == -1);
    wire_close(&w);
    tc_tunnel_free(&t);
}

/* ---- HTTP CONNECT ---- */

static void http_begin(struct tc_tunnel *t, struct wire *w, const struct tc_proxy *px,
                       const char *name, const char *request)
{
    wire_open(w);
    CHECK(tc_tunnel_begin(t, px, name, NULL, 22));
    CHECK(pump(t, w) == TC_TUNNEL_READ);
    CHECK(heard_exactly(w, request, strlen(request)));
}

static void test_http_requests(void)
{
    struct tc_proxy plain = proxy_of(TC_PROXY_HTTP, NULL, NULL);
    struct tc_tunnel t = {0};
    struct wire w;
    http_begin(&t, &w, &plain, "db", "CONNECT db:22 HTTP/1.1\r\nHost: db:22\r\n\r\n");
    wire_close(&w);
    http_begin(&t, &w, &plain, "::1", "CONNECT [::1]:22 HTTP/1.1\r\nHost: [::1]:22\r\n\r\n");
    wire_close(&w);

    /* Basic credentials, padded as base64 needs; gone from memory once sent. */
    static const struct {
        const char *user, *password, *basic;
    } creds[] = {
        {"alice", "secret", "YWxpY2U6c2VjcmV0"},
        {"a", "", "YTo="},
        {"ab", "c", "YWI6Yw=="},
    };
    for (size_t i = 0; i < sizeof creds / sizeof creds[0]; i++) {
        struct tc_proxy px = proxy_of(TC_PROXY_HTTP, creds[i].user, creds[i].password);
        char want[256];
        snprintf(want, sizeof want,
                 "CONNECT db:22 HTTP/1.1\r\nHost: db:22\r\nProxy-Authorization: Basic %s\r\n\r\n",
                 creds[i].basic);
        http_begin(&t, &w, &px, "db", want);
        CHECK(!t.out.data ||
              !memmem(t.out.data, t.out.cap, creds[i].basic, strlen(creds[i].basic)));
        wire_close(&w);
    }
    tc_tunnel_free(&t);
}

static void test_http_up(void)
{
    struct tc_proxy px = proxy_of(TC_PROXY_HTTP, NULL, NULL);
    struct tc_tunnel t = {0};
    struct wire w;
    const char *request = "CONNECT db:22 HTTP/1.1\r\nHost: db:22\r\n\r\n";

    /* tinyproxy's answer; the target's banner follows in the same segment. */
    http_begin(&t, &w, &px, "db", request);
    CHECK(SAY(&t, &w,
              "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n"
              "\r\nSSH-2.0-x\r\n") == TC_TUNNEL_UP);
    CHECK(rest_is(&t, "SSH-2.0-x\r\n"));
    wire_close(&w);

    /* In pieces, the blank line split; bare LF line ends. */
    http_begin(&t, &w, &px, "db", request);
    CHECK(SAY(&t, &w, "HTTP/1.1 2") == TC_TUNNEL_READ);
    CHECK(SAY(&t, &w, "00 OK\n") == TC_TUNNEL_READ);
    CHECK(SAY(&t, &w, "X: y\n") == TC_TUNNEL_READ);
    CHECK(SAY(&t, &w, "\nhi") == TC_TUNNEL_UP);
    CHECK(rest_is(&t, "hi"));
    wire_close(&w);
    tc_tunnel_free(&t);
}

/* tcpcheck(1), PROXIES: what each HTTP status means. */
static void test_http_statuses(void)
{
    static const struct {
        const char *line;
        enum tc_state state;
        enum tc_proxy_reason reason;
    } table[] = {
        {"HTTP/1.1 504 Gateway Timeout", TC_TIMEOUT, TC_PROXY_ANSWER},
        {"HTTP/1.1 502 Bad Gateway", TC_UNREACHABLE, TC_PROXY_ANSWER},
        {"HTTP/1.1 503 Service Unavailable", TC_UNREACHABLE, TC_PROXY_ANSWER},
        {"HTTP/1.1 500 Unable to connect", TC_UNREACHABLE, TC_PROXY_ANSWER},
        {"HTTP/1.1 500 Internal Server Error", TC_ERROR, TC_PROXY_FAILURE},
        {"HTTP/1.1 403 Access violation", TC_UNREACHABLE, TC_PROXY_ANSWER},
        {"HTTP/1.1 403 Forbidden", TC_UNREACHABLE, TC_PROXY_ANSWER},
        {"HTTP/1.0 403 Access denied", TC_ERROR, TC_PROXY_FAILURE},
        {"HTTP/1.0 407 Proxy Authentication Required", TC_ERROR, TC_PROXY_AUTH},
        {"HTTP/1.0 401 Unauthorized", TC_ERROR, TC_PROXY_AUTH},
        {"HTTP/1.1 405 Method Not Allowed", TC_ERROR, TC_PROXY_FAILURE},
        {"HTTP/1.1 301 Moved Permanently", TC_ERROR, TC_PROXY_FAILURE},
        {"HTTP/1.1 501", TC_ERROR, TC_PROXY_FAILURE},
    };
    struct tc_proxy px = proxy_of(TC_PROXY_HTTP, NULL, NULL);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct tc_tunnel t = {0};
        struct wire w;
        char reply[128];
        snprintf(reply, sizeof reply, "%s\r\nServer: x\r\n\r\n<html>", table[i].line);
        http_begin(&t, &w, &px, "db", "CONNECT db:22 HTTP/1.1\r\nHost: db:22\r\n\r\n");
        CHECK(say(&t, &w, reply, strlen(reply)) == TC_TUNNEL_FAILED);
        CHECK(t.state == table[i].state);
        CHECK(t.reason == table[i].reason);
        CHECK(text_is(&t, table[i].line)); /* the status line, as shown in the message */
        wire_close(&w);
        tc_tunnel_free(&t);
    }
}

static void test_http_garbage(void)
{
    struct tc_proxy px = proxy_of(TC_PROXY_HTTP, NULL, NULL);
    const char *request = "CONNECT db:22 HTTP/1.1\r\nHost: db:22\r\n\r\n";
    static const char *const replies[] = {
        "SSH-2.0-OpenSSH\r\n", /* found out at the first byte that differs */
        "\x05\x00",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 20\r\n\r\n",
        "HTTP/1.1200 OK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
        struct tc_tunnel t = {0};
        struct wire w;
        http_begin(&t, &w, &px, "db", request);
        CHECK(say(&t, &w, replies[i], strlen(replies[i])) == TC_TUNNEL_FAILED);
        CHECK(t.state == TC_ERROR && t.reason == TC_PROXY_GARBAGE);
        wire_close(&w);
        tc_tunnel_free(&t);
    }

    /* A 200 whose header never ends within 4096 bytes. */
    struct tc_tunnel t = {0};
    struct wire w;
    http_begin(&t, &w, &px, "db", request);
    CHECK(SAY(&t, &w, "HTTP/1.1 200 OK\r\n") == TC_TUNNEL_READ);
    char filler[512];
    memset(filler, 'x', sizeof filler);
    enum tc_tunnel_want want = TC_TUNNEL_READ;
    for (int i = 0; i < 10 && want == TC_TUNNEL_READ; i++)
        want = say(&t, &w, filler, sizeof filler);
    CHECK(want == TC_TUNNEL_FAILED);
    CHECK(t.reason == TC_PROXY_GARBAGE && t.code == 200 && text_is(&t, "HTTP/1.1 200 OK"));
    wire_close(&w);

    /* Silent after CONNECT: an HTTP proxy cannot tell us it is still connecting. */
    http_begin(&t, &w, &px, "db", request);
    tc_tunnel_expire(&t);
    CHECK(t.state == TC_ERROR && t.reason == TC_PROXY_SILENT);
    wire_close(&w);
    tc_tunnel_free(&t);
}

int main(void)
{
    test_socks_name();
    test_socks_address_and_credentials();
    test_socks_ipv6();
    test_socks_reply_codes();
    test_socks_methods();
    test_socks_auth_refused();
    test_closed_and_expired();
    test_http_requests();
    test_http_up();
    test_http_statuses();
    test_http_garbage();
    return DONE("test_proxy");
}

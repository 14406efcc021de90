/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tcserver: a loopback TCP server whose behaviour the tests choose, so every tcpcheck state can be
 * produced deterministically without touching any host but this one.
 *
 *   tcserver [-6] [-a ADDR] [-p PORT] [-U PATH] [-n N] [-c] [-d MS] [-L MS] MODE [ARG...]
 *
 * It binds 127.0.0.1 (::1 with -6, ADDR with -a; with -U the Unix-domain stream socket PATH,
 * and then "port" 0), prints the port and a newline on stdout, then
 * prints one line "conn N" per accepted connection, so a test can count what was probed, and
 * "gone N bytes K eof|reset" when the peer of connection N goes away after sending K bytes.
 *
 * Modes:
 *   hold                 accept and keep the connection open, saying nothing
 *   close                accept, then close (the peer reads EOF)
 *   reset                accept, then close with SO_LINGER 0 (the peer gets an RST)
 *   send HEX             accept, send the bytes, then hold (-c: close after sending)
 *   expect HEX REPLYHEX  read until HEX arrived, then send REPLYHEX and hold (-c: close; with
 *                        an empty REPLYHEX, a peer that reads what it was sent and closes)
 *   echo                 send back whatever arrives
 *   flood                send bytes until the peer goes away
 *   backlog              listen(0), never accept, fill the accept queue itself: SYNs to the port
 *                        are then dropped, a deterministic timeout target on loopback (with -U,
 *                        connect() answers EAGAIN); with -d MS it starts accepting (hold)
 *                        after MS milliseconds, a queue that frees up
 *   late MS              print a free port now, listen on it (hold) only after MS milliseconds
 *   udpsink              a UDP socket that reads and never answers (a silent DNS server)
 *   dnsnx                a UDP DNS server that answers every query with NXDOMAIN
 *   dnsa IPV4            a UDP DNS server that answers every A query with IPV4, and every other
 *                        query with no records (NOERROR)
 *
 * -n N: stop accepting after N connections and exit once they are all gone.
 * -d MS: wait MS milliseconds after accepting before acting (close, reset, send).
 * -L MS: like `late`, for any mode.
 * -D BYTES: deaf: never read from a connection, with a receive buffer of BYTES (set on the
 *    listener, so every connection has it): a peer that soon stops taking data.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 1024
#define EXPECT_MAX 65536

enum mode {
    M_HOLD,
    M_CLOSE,
    M_RESET,
    M_SEND,
    M_EXPECT,
    M_ECHO,
    M_FLOOD,
    M_BACKLOG,
    M_UDPSINK,
    M_DNSNX,
    M_DNSA
};

struct conf {
    bool v6;
    const char *addr;
    const char *unix_path; /* -U */
    int port;
    long max_conns; /* 0: unlimited */
    bool close_after;
    long delay_ms;
    long late_ms;
    long deaf_rcvbuf; /* -D: never read; 0 reads as usual */
    enum mode mode;
    unsigned char *send;
    size_t send_len;
    unsigned char *expect;
    size_t expect_len;
    struct in_addr dns_answer;
};

struct client {
    int fd;
    long id;      /* the N of its "conn N" line */
    size_t nread; /* bytes received from the peer */
    int64_t due;  /* when the accept-time action runs; < 0 once done */
    unsigned char *in;
    size_t in_len;
    unsigned char *out;
    size_t out_len, out_off;
    bool close_when_sent;
    bool replied; /* expect: the reply was queued */
};

static struct client clients[MAX_CLIENTS];
static size_t nclients;

static void die(const char *what)
{
    fprintf(stderr, "tcserver: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: tcserver [-6] [-a ADDR] [-p PORT] [-U PATH] [-n N] [-c] [-d MS] [-L MS] "
            "[-D BYTES] "
            "hold|close|reset|send HEX|expect HEX REPLYHEX|echo|flood|backlog|"
            "late MS|udpsink|dnsnx|dnsa IPV4\n");
    exit(2);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Tests pass bytes as hex so NUL and control bytes survive the command line. */
static unsigned char *decode_hex(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n % 2)
        usage();
    unsigned char *out = malloc(n / 2 + 1);
    if (!out)
        die("malloc");
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            usage();
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

static long number(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || end == s)
        usage();
    return v;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        die("fcntl");
}

/* The local address to bind: -U, else -a, else the loopback of the chosen family. */
static socklen_t make_addr(const struct conf *c, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (c->unix_path) {
        struct sockaddr_un *un = (struct sockaddr_un *)ss;
        if (strlen(c->unix_path) >= sizeof un->sun_path) {
            fprintf(stderr, "tcserver: socket path too long\n");
            exit(2);
        }
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, c->unix_path);
        return sizeof *un;
    }
    const char *a = c->addr ? c->addr : c->v6 ? "::1" : "127.0.0.1";
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, a, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return sizeof *in4;
    }
    if (inet_pton(AF_INET6, a, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return sizeof *in6;
    }
    fprintf(stderr, "tcserver: bad address %s\n", a);
    exit(2);
}

static int bound_socket(const struct conf *c, int type, int port)
{
    struct sockaddr_storage ss;
    socklen_t len = make_addr(c, port, &ss);
    int fd = socket(ss.ss_family, type, 0);
    if (fd < 0)
        die("socket");
    if (c->unix_path)
        unlink(c->unix_path); /* a socket file left behind would make bind() fail */
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    /* A late listener may race a probe whose socket briefly holds the port: retry a while. */
    for (int tries = 0; bind(fd, (struct sockaddr *)&ss, len) < 0; tries++) {
        if (errno != EADDRINUSE || tries > 200)
            die("bind");
        sleep_ms(10);
    }
    return fd;
}

static int local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        die("getsockname");
    if (ss.ss_family == AF_UNIX)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void announce_port(int port)
{
    printf("%d\n", port);
    fflush(stdout);
}

/* A port for `late`: let the kernel pick one, release it, and bind it again later. */
static int pick_port(const struct conf *c)
{
    int fd = bound_socket(c, SOCK_STREAM, c->port);
    int port = local_port(fd);
    close(fd);
    return port;
}

static int connect_nonblock(const struct conf *c, int port)
{
    struct sockaddr_storage ss;
    socklen_t len = make_addr(c, port, &ss);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        die("socket");
    if (connect(fd, (struct sockaddr *)&ss, len) == 0 || errno == EINPROGRESS)
        return fd;
    if (c->unix_path && errno == EAGAIN) { /* a unix socket's accept queue is full */
        close(fd);
        return -1;
    }
    die("connect");
    return -1;
}

/* Fill the accept queue of our own listener until a connect stays unanswered: from then on the
 * kernel drops every SYN to the port, so a prober sees neither SYN-ACK nor RST. */
static void fill_backlog(const struct conf *c, int port)
{
    for (int i = 0; i < 32; i++) {
        int fd = connect_nonblock(c, port);
        if (fd < 0)
            return; /* a unix socket's queue is full */
        struct pollfd p = {fd, POLLOUT, 0};
        if (poll(&p, 1, 200) == 0) {
            close(fd);
            return;
        }
        /* Connected (or failed): keep it, so it keeps its place in the queue. */
    }
    fprintf(stderr, "tcserver: accept queue never filled\n");
    exit(1);
}

static void serve_stream(const struct conf *c, int lfd);

static void serve_backlog(const struct conf *c)
{
    int fd = bound_socket(c, SOCK_STREAM, c->port);
    if (listen(fd, 0) < 0)
        die("listen");
    int port = local_port(fd);
    fill_backlog(c, port);
    announce_port(port);
    if (c->delay_ms == 0)
        for (;;)
            pause();
    sleep_ms(c->delay_ms);
    struct conf hold = *c;
    hold.mode = M_HOLD;
    hold.delay_ms = 0;
    set_nonblock(fd);
    serve_stream(&hold, fd);
    exit(0);
}

static void serve_udpsink(const struct conf *c)
{
    int fd = bound_socket(c, SOCK_DGRAM, c->port);
    announce_port(local_port(fd));
    unsigned char buf[2048];
    for (;;)
        if (recv(fd, buf, sizeof buf, 0) < 0 && errno != EINTR)
            die("recv");
}

/* Length of the header and first question of a DNS message, or 0 when it is malformed. */
static size_t dns_question_end(const unsigned char *m, size_t n)
{
    size_t off = 12;
    while (off < n && m[off] != 0) {
        if (m[off] & 0xc0)
            return 0; /* queries carry no compression pointers */
        off += (size_t)m[off] + 1;
    }
    off += 1 + 4; /* the root label, QTYPE, QCLASS */
    return off <= n ? off : 0;
}

/* Answer NXDOMAIN: the query's header and question back, QR and RA set, RCODE 3, no records. */
static void serve_dnsnx(const struct conf *c)
{
    int fd = bound_socket(c, SOCK_DGRAM, c->port);
    announce_port(local_port(fd));
    unsigned char m[2048];
    for (;;) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, m, sizeof m, 0, (struct sockaddr *)&from, &flen);
        size_t len = n > 0 ? dns_question_end(m, (size_t)n) : 0;
        if (len == 0)
            continue;
        m[2] = (unsigned char)(0x80 | (m[2] & 0x79)); /* QR, keep opcode and RD */
        m[3] = 0x80 | 3;                              /* RA, NXDOMAIN */
        memset(m + 6, 0, 6);                          /* no answer, authority, additional */
        m[5] = m[5] ? 1 : 0;                          /* one question */
        m[4] = 0;
        sendto(fd, m, len, 0, (struct sockaddr *)&from, flen);
    }
}

/* Answer an A query with c->dns_answer, anything else with no records (the name exists). */
static void serve_dnsa(const struct conf *c)
{
    int fd = bound_socket(c, SOCK_DGRAM, c->port);
    announce_port(local_port(fd));
    unsigned char m[2048];
    for (;;) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, m, sizeof m - 16, 0, (struct sockaddr *)&from, &flen);
        size_t len = n > 0 ? dns_question_end(m, (size_t)n) : 0;
        if (len == 0)
            continue;
        bool is_a = m[len - 4] == 0 && m[len - 3] == 1;
        m[2] = (unsigned char)(0x80 | (m[2] & 0x79)); /* QR, keep opcode and RD */
        m[3] = 0x80;                                  /* RA, NOERROR */
        memset(m + 4, 0, 8);
        m[5] = 1;            /* one question */
        m[7] = is_a ? 1 : 0; /* one answer for A */
        if (is_a) {
            static const unsigned char rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
            memcpy(m + len, rr, sizeof rr);
            memcpy(m + len + sizeof rr, &c->dns_answer, 4);
            len += sizeof rr + 4;
        }
        sendto(fd, m, len, 0, (struct sockaddr *)&from, flen);
    }
}

static void queue_out(struct client *cl, const unsigned char *p, size_t n)
{
    unsigned char *grown = realloc(cl->out, cl->out_len + n + 1);
    if (!grown)
        die("realloc");
    cl->out = grown;
    memcpy(cl->out + cl->out_len, p, n);
    cl->out_len += n;
}

static void drop_client(size_t i)
{
    close(clients[i].fd);
    free(clients[i].in);
    free(clients[i].out);
    clients[i] = clients[--nclients];
}

static void reset_client(size_t i)
{
    struct linger lg = {1, 0};
    setsockopt(clients[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    drop_client(i);
}

/* "gone N bytes K eof|reset": lets a test see what a probe sent and how it closed. */
static void report_gone(const struct client *cl, const char *how)
{
    printf("gone %ld bytes %zu %s\n", cl->id, cl->nread, how);
    fflush(stdout);
}

/* The accept-time action; returns false when the client is gone. */
static bool act(const struct conf *c, size_t i)
{
    struct client *cl = &clients[i];
    cl->due = -1;
    switch (c->mode) {
    case M_CLOSE:
        drop_client(i);
        return false;
    case M_RESET:
        reset_client(i);
        return false;
    case M_SEND:
        queue_out(cl, c->send, c->send_len);
        cl->close_when_sent = c->close_after;
        return true;
    default:
        return true;
    }
}

static void accept_one(const struct conf *c, int lfd, long *accepted)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
    if (fd < 0)
        return;
    if (nclients == MAX_CLIENTS) {
        close(fd);
        return;
    }
    ++*accepted;
    printf("conn %ld\n", *accepted);
    fflush(stdout);
    clients[nclients] = (struct client){.fd = fd, .id = *accepted, .due = now_ms() + c->delay_ms};
    nclients++;
    if (c->delay_ms == 0)
        act(c, nclients - 1);
}

static bool contains(const unsigned char *hay, size_t n, const unsigned char *needle, size_t m)
{
    return m == 0 || (n >= m && memmem(hay, n, needle, m) != NULL);
}

/* Bytes from the peer: echo them, look for the expected ones, or just note EOF. */
static bool on_readable(const struct conf *c, size_t i)
{
    struct client *cl = &clients[i];
    unsigned char buf[4096];
    ssize_t n = read(cl->fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n <= 0) {
        report_gone(cl, n == 0 ? "eof" : errno == ECONNRESET ? "reset" : "error");
        drop_client(i);
        return false;
    }
    cl->nread += (size_t)n;
    if (c->mode == M_ECHO)
        queue_out(cl, buf, (size_t)n);
    if (c->mode == M_EXPECT && !cl->replied && cl->in_len < EXPECT_MAX) {
        unsigned char *grown = realloc(cl->in, cl->in_len + (size_t)n);
        if (!grown)
            die("realloc");
        cl->in = grown;
        memcpy(cl->in + cl->in_len, buf, (size_t)n);
        cl->in_len += (size_t)n;
        if (contains(cl->in, cl->in_len, c->expect, c->expect_len)) {
            queue_out(cl, c->send, c->send_len);
            cl->replied = true;
            cl->close_when_sent = c->close_after;
            if (cl->close_when_sent && c->send_len == 0) { /* an empty reply: close at once */
                drop_client(i);
                return false;
            }
        }
    }
    return true;
}

static bool on_writable(const struct conf *c, size_t i)
{
    struct client *cl = &clients[i];
    static unsigned char chunk[4096];
    if (c->mode == M_FLOOD && cl->out_off == cl->out_len) {
        memset(chunk, 'A', sizeof chunk);
        cl->out_off = cl->out_len = 0;
        queue_out(cl, chunk, sizeof chunk);
    }
    ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n < 0) {
        drop_client(i);
        return false;
    }
    cl->out_off += (size_t)n;
    if (cl->out_off == cl->out_len && cl->close_when_sent) {
        drop_client(i);
        return false;
    }
    return true;
}

static short wanted_events(const struct conf *c, const struct client *cl)
{
    if (cl->due >= 0)
        return 0; /* nothing until the delayed action ran */
    bool out = cl->out_off < cl->out_len || c->mode == M_FLOOD;
    short in = c->deaf_rcvbuf > 0 ? 0 : POLLIN;
    return (short)(in | (out ? POLLOUT : 0));
}

static int poll_timeout(void)
{
    int64_t next = -1, now = now_ms();
    for (size_t i = 0; i < nclients; i++)
        if (clients[i].due >= 0 && (next < 0 || clients[i].due < next))
            next = clients[i].due;
    if (next < 0)
        return -1;
    return next <= now ? 0 : (int)(next - now);
}

static void run_due(const struct conf *c)
{
    int64_t now = now_ms();
    for (size_t i = nclients; i-- > 0;)
        if (clients[i].due >= 0 && clients[i].due <= now)
            act(c, i);
}

/* Handle events on the client sockets; walks backwards so dropping one keeps indexes valid. */
static void handle_clients(const struct conf *c, const struct pollfd *p, size_t np)
{
    for (size_t k = np; k-- > 1;) {
        size_t i = k - 1;
        if (i >= nclients || p[k].fd != clients[i].fd || !p[k].revents)
            continue;
        if ((p[k].revents & (POLLIN | POLLHUP | POLLERR)) && !on_readable(c, i))
            continue;
        if (p[k].revents & POLLOUT)
            on_writable(c, i);
    }
}

static void serve_stream(const struct conf *c, int lfd)
{
    static struct pollfd p[MAX_CLIENTS + 1];
    long accepted = 0;
    for (;;) {
        bool accepting = c->max_conns == 0 || accepted < c->max_conns;
        if (!accepting && nclients == 0)
            return;
        p[0] = (struct pollfd){accepting ? lfd : -1, POLLIN, 0};
        for (size_t i = 0; i < nclients; i++)
            p[i + 1] = (struct pollfd){clients[i].fd, wanted_events(c, &clients[i]), 0};
        size_t np = nclients + 1;
        if (poll(p, np, poll_timeout()) < 0 && errno != EINTR)
            die("poll");
        run_due(c);
        handle_clients(c, p, np);
        if (p[0].revents & POLLIN)
            accept_one(c, lfd, &accepted);
    }
}

static enum mode parse_mode(struct conf *c, int argc, char **argv)
{
    static const char *names[] = {"hold",  "close",   "reset",   "send",  "expect", "echo",
                                  "flood", "backlog", "udpsink", "dnsnx", "dnsa"};
    if (argc < 1)
        usage();
    if (strcmp(argv[0], "late") == 0 && argc == 2) {
        c->late_ms = number(argv[1]);
        return M_HOLD;
    }
    for (size_t m = 0; m < sizeof names / sizeof names[0]; m++) {
        if (strcmp(argv[0], names[m]) != 0)
            continue;
        int want = m == M_SEND || m == M_DNSA ? 2 : m == M_EXPECT ? 3 : 1;
        if (argc != want)
            usage();
        if (m == M_SEND)
            c->send = decode_hex(argv[1], &c->send_len);
        if (m == M_DNSA && inet_pton(AF_INET, argv[1], &c->dns_answer) != 1)
            usage();
        if (m == M_EXPECT) {
            c->expect = decode_hex(argv[1], &c->expect_len);
            c->send = decode_hex(argv[2], &c->send_len);
        }
        return (enum mode)m;
    }
    usage();
    return M_HOLD;
}

static void parse_args(struct conf *c, int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "6a:p:U:n:cd:L:D:")) != -1) {
        switch (opt) {
        case '6':
            c->v6 = true;
            break;
        case 'U':
            c->unix_path = optarg;
            break;
        case 'a':
            c->addr = optarg;
            break;
        case 'p':
            c->port = (int)number(optarg);
            break;
        case 'n':
            c->max_conns = number(optarg);
            break;
        case 'c':
            c->close_after = true;
            break;
        case 'd':
            c->delay_ms = number(optarg);
            break;
        case 'L':
            c->late_ms = number(optarg);
            break;
        case 'D':
            c->deaf_rcvbuf = number(optarg);
            break;
        default:
            usage();
        }
    }
    if (c->port > 65535)
        usage();
    c->mode = parse_mode(c, argc - optind, argv + optind);
}

int main(int argc, char **argv)
{
    struct conf c = {0};
    parse_args(&c, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    if (c.mode == M_BACKLOG)
        serve_backlog(&c);
    if (c.mode == M_UDPSINK)
        serve_udpsink(&c);
    if (c.mode == M_DNSNX)
        serve_dnsnx(&c);
    if (c.mode == M_DNSA)
        serve_dnsa(&c);
    if (c.late_ms > 0) {
        c.port = c.unix_path ? 0 : pick_port(&c);
        announce_port(c.port);
        sleep_ms(c.late_ms);
    }
    int lfd = bound_socket(&c, SOCK_STREAM, c.port);
    int rcvbuf = (int)c.deaf_rcvbuf;
    if (rcvbuf > 0 && setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
        die("setsockopt SO_RCVBUF");
    if (listen(lfd, 128) < 0)
        die("listen");
    set_nonblock(lfd);
    if (c.late_ms == 0)
        announce_port(local_port(lfd));
    serve_stream(&c, lfd);
    return 0;
}

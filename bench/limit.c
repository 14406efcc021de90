/* SPDX-License-Identifier: GPL-3.0-or-later */
/* limit: the physical limit tcpcheck is measured against, and the small drivers bench/run needs.
 *
 *   limit probe ADDR PORT N [plain]  N probes one after another: socket (non-blocking) +
 *                                    SO_LINGER 0 (omitted with `plain`) + connect + poll + close.
 *                                    Prints "NS_PER_PROBE OPEN_COUNT".
 *   limit rtt ADDR PORT N GAP_US [reset]
 *                                    N probes, GAP_US microseconds apart (start to start, as
 *                                    ping mode's -i): the connect time of each, from a clock
 *                                    reading right before connect() to one right after poll()
 *                                    returns; closed normally, or with SO_LINGER 0 (`reset`).
 *                                    Prints "MEDIAN_NS OPEN_COUNT".
 *   limit sweep ADDR LO HI K         ports LO..HI with K connections in flight, closed with
 *                                    SO_LINGER 0 like tcpcheck.  Prints each open port on stdout
 *                                    (a connection to its own source port is not open).
 *   limit spawn N PROG [ARG...]      fork + execvp PROG N times, one after another, with stdin,
 *                                    stdout and stderr on /dev/null.  Prints
 *                                    "US_PER_RUN STATUS:COUNT..." (exit statuses seen).
 *   limit listen [ADDR]              listen on a free port of ADDR (127.0.0.1), print it, and
 *                                    accept+close as fast as possible (backlog 4096) until killed:
 *                                    an open port for probe loops that never drops a SYN.
 *   limit late MS                    print a free 127.0.0.1 port, listen on it after MS ms, then
 *                                    print "open EPOCH_SECONDS.MICROS" (CLOCK_REALTIME, as bash's
 *                                    EPOCHREALTIME) and accept+close until killed (60 s at most).
 *
 * ADDR is a numeric IPv4 or IPv6 address.  Only bench/run uses this, and only against loopback
 * or addresses inside a network namespace it created.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "limit: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: limit probe ADDR PORT N [plain] | rtt ADDR PORT N GAP_US [reset] | "
                    "sweep ADDR LO HI K | "
                    "spawn N PROG [ARG...] | listen [ADDR] | late MS\n");
    exit(2);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long number(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi)
        usage();
    return v;
}

static socklen_t make_addr(const char *addr, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        return sizeof *a4;
    }
    if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        return sizeof *a6;
    }
    usage();
    return 0;
}

static void set_port(struct sockaddr_storage *ss, int port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static const struct linger reset_on_close = {1, 0};

/* socket + connect; returns the fd, *done set when connect() already decided (then *open). */
static int start(const struct sockaddr_storage *ss, socklen_t len, int linger0, int *done,
                 int *open)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0)
        die("socket");
    if (linger0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close);
    *done = 0;
    *open = 0;
    if (connect(fd, (const struct sockaddr *)ss, len) == 0) {
        *done = 1;
        *open = 1;
    } else if (errno != EINPROGRESS) {
        *done = 1;
    }
    return fd;
}

static int probe(int argc, char **argv)
{
    if (argc < 5 || argc > 6)
        usage();
    struct sockaddr_storage ss;
    socklen_t len = make_addr(argv[2], (int)number(argv[3], 1, 65535), &ss);
    long n = number(argv[4], 1, 100000000);
    int linger0 = !(argc == 6 && strcmp(argv[5], "plain") == 0);
    long opened = 0;
    int64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
        int done, open;
        int fd = start(&ss, len, linger0, &done, &open);
        if (!done) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (poll(&p, 1, 1000) == 1)
                open = !(p.revents & (POLLERR | POLLHUP));
        }
        opened += open;
        close(fd);
    }
    int64_t t1 = now_ns();
    printf("%.0f %ld\n", (double)(t1 - t0) / (double)n, opened);
    return 0;
}

static int compare_ns(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void sleep_until(int64_t t)
{
    struct timespec ts = {t / 1000000000, t % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* The connect time as ping mode reports it, measured the shortest way there is. */
static int rtt(int argc, char **argv)
{
    if (argc != 6 && !(argc == 7 && strcmp(argv[6], "reset") == 0))
        usage();
    struct sockaddr_storage ss;
    socklen_t len = make_addr(argv[2], (int)number(argv[3], 1, 65535), &ss);
    long n = number(argv[4], 1, 10000000);
    int64_t gap = (int64_t)number(argv[5], 0, 100000000) * 1000;
    int linger0 = argc == 7;
    int64_t *times = calloc((size_t)n, sizeof *times);
    if (!times)
        die("calloc");
    long opened = 0;
    int64_t next = now_ns();
    for (long i = 0; i < n; i++) {
        sleep_until(next);
        next += gap;
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (fd < 0)
            die("socket");
        if (linger0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset_on_close, sizeof reset_on_close);
        int64_t t0 = now_ns();
        int open = connect(fd, (const struct sockaddr *)&ss, len) == 0;
        if (!open && errno == EINPROGRESS) {
            struct pollfd p = {fd, POLLOUT, 0};
            open = poll(&p, 1, 1000) == 1 && !(p.revents & (POLLERR | POLLHUP));
        }
        times[i] = now_ns() - t0;
        opened += open;
        close(fd);
    }
    qsort(times, (size_t)n, sizeof *times, compare_ns);
    printf("%lld %ld\n", (long long)times[n / 2], opened);
    free(times);
    return 0;
}

static int to_itself(int fd, const struct sockaddr_storage *peer, socklen_t len)
{
    struct sockaddr_storage local;
    socklen_t llen = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0 || llen != len)
        return 0;
    return memcmp(&local, peer, len) == 0;
}

struct slot {
    int port;
    int64_t started;
};

static int sweep(int argc, char **argv)
{
    if (argc != 6)
        usage();
    struct sockaddr_storage ss;
    socklen_t len = make_addr(argv[2], 1, &ss);
    int lo = (int)number(argv[3], 1, 65535), hi = (int)number(argv[4], lo, 65535);
    long k = number(argv[5], 1, 65535);
    struct pollfd *p = calloc((size_t)k, sizeof *p);
    struct slot *s = calloc((size_t)k, sizeof *s);
    if (!p || !s)
        die("calloc");
    long used = 0;
    int next = lo;
    const int64_t deadline = 1000000000; /* loopback answers at once; a dropped SYN gives up */
    for (;;) {
        while (used < k && next <= hi) {
            int port = next++, done, open;
            set_port(&ss, port);
            int fd = start(&ss, len, 1, &done, &open);
            if (done) {
                if (open && !to_itself(fd, &ss, len))
                    printf("%d\n", port);
                close(fd);
                continue;
            }
            p[used] = (struct pollfd){fd, POLLOUT, 0};
            s[used] = (struct slot){port, now_ns()};
            used++;
        }
        if (used == 0)
            break;
        int r = poll(p, (nfds_t)used, 100);
        if (r < 0 && errno != EINTR)
            die("poll");
        int64_t now = now_ns();
        for (long i = used; i-- > 0;) {
            int finished = 0;
            if (p[i].revents) {
                if (!(p[i].revents & (POLLERR | POLLHUP))) {
                    set_port(&ss, s[i].port);
                    if (!to_itself(p[i].fd, &ss, len))
                        printf("%d\n", s[i].port);
                }
                finished = 1;
            } else if (now - s[i].started > deadline) {
                finished = 1;
            }
            if (finished) {
                close(p[i].fd);
                p[i] = p[used - 1];
                s[i] = s[used - 1];
                used--;
            }
        }
    }
    return 0;
}

static int spawn(int argc, char **argv)
{
    if (argc < 4)
        usage();
    long n = number(argv[2], 1, 10000000);
    long counts[256] = {0}, other = 0;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0)
        die("/dev/null");
    int64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execvp(argv[3], argv + 3);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0)
            die("waitpid");
        if (WIFEXITED(st))
            counts[WEXITSTATUS(st)]++;
        else
            other++;
    }
    int64_t t1 = now_ns();
    printf("%.1f", (double)(t1 - t0) / 1000.0 / (double)n);
    for (int i = 0; i < 256; i++)
        if (counts[i])
            printf(" %d:%ld", i, counts[i]);
    if (other)
        printf(" signal:%ld", other);
    printf("\n");
    return 0;
}

static int listener(int argc, char **argv)
{
    if (argc > 3)
        usage();
    struct sockaddr_storage ss;
    socklen_t len = make_addr(argc == 3 ? argv[2] : "127.0.0.1", 0, &ss);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4096) < 0)
        die("listen");
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        die("getsockname");
    printf("%d\n", ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                 : ((struct sockaddr_in6 *)&ss)->sin6_port));
    fflush(stdout);
    for (;;) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0)
            close(c);
    }
    return 0;
}

static int late(int argc, char **argv)
{
    if (argc != 3)
        usage();
    long ms = number(argv[2], 0, 60000);
    struct sockaddr_storage ss;
    socklen_t len = make_addr("127.0.0.1", 0, &ss);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0)
        die("bind");
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        die("getsockname");
    int port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    close(fd);
    printf("%d\n", port);
    fflush(stdout);
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&d, &d) < 0 && errno == EINTR)
        ;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0)
        die("listen");
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    printf("open %lld.%06ld\n", (long long)rt.tv_sec, rt.tv_nsec / 1000);
    fflush(stdout);
    alarm(60);
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c >= 0)
            close(c);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    if (strcmp(argv[1], "probe") == 0)
        return probe(argc, argv);
    if (strcmp(argv[1], "rtt") == 0)
        return rtt(argc, argv);
    if (strcmp(argv[1], "sweep") == 0)
        return sweep(argc, argv);
    if (strcmp(argv[1], "spawn") == 0)
        return spawn(argc, argv);
    if (strcmp(argv[1], "listen") == 0)
        return listener(argc, argv);
    if (strcmp(argv[1], "late") == 0)
        return late(argc, argv);
    usage();
    return 2;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_progress.c: the progress line (progress.c): when it is drawn, what it says, how it is
 * fitted to the terminal's width and escaped, and that it is erased.  Written to a memory
 * stream (no terminal size: the 80-column fallback) and to a pseudo-terminal of a chosen width.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include "progress.h"
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MS 1000
#define SEC 1000000

/* ---- a stream that remembers what was written ---- */

struct sink {
    FILE *f;
    char *data;
    size_t size, seen;
};

static void sink_open(struct sink *s)
{
    memset(s, 0, sizeof *s);
    s->f = open_memstream(&s->data, &s->size);
}

/* What was written since the last call (the stream is flushed by every write of progress.c). */
static const char *sink_new(struct sink *s)
{
    static char text[4096];
    fflush(s->f);
    size_t n = s->size - s->seen;
    if (n >= sizeof text)
        n = sizeof text - 1;
    memcpy(text, s->data + s->seen, n);
    text[n] = '\0';
    s->seen = s->size;
    return text;
}

static void sink_close(struct sink *s)
{
    fclose(s->f);
    free(s->data);
}

static bool is(const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "  got:  \"%s\"\n  want: \"%s\"\n", got, want);
    return false;
}

static struct tc_options wait_options(const char *text, tc_usec usec)
{
    struct tc_options opt = {0};
    opt.wait_mode = true;
    opt.wait.usec = usec;
    snprintf(opt.wait.text, sizeof opt.wait.text, "%s", text);
    return opt;
}

/* ---- when ---- */

static void test_timing(void)
{
    struct sink s;
    sink_open(&s);
    struct tc_options opt = {0};
    struct tc_progress p;
    struct tc_host db = {.name = "db"};
    struct tc_progress_view v = {.host = &db, .port = 5432, .done = 0, .total = 1};

    tc_progress_open(&p, s.f, &opt, 1000 * SEC);
    CHECK(!tc_progress_due(&p, 1000 * SEC));
    CHECK(!tc_progress_due(&p, 1000 * SEC + 499 * MS)); /* a quick probe never draws */
    tc_progress_draw(&p, &v, 1000 * SEC + 499 * MS);    /* not due: nothing */
    CHECK(is(sink_new(&s), ""));
    CHECK(tc_progress_due(&p, 1000 * SEC + 500 * MS));
    tc_progress_draw(&p, &v, 1000 * SEC + 500 * MS);
    CHECK(is(sink_new(&s), "\rtcpcheck: waiting for db port 5432: 0/1 done, 0.5 s\033[K"));
    CHECK(!tc_progress_due(&p, 1000 * SEC + 699 * MS)); /* at most five a second */
    CHECK(tc_progress_due(&p, 1000 * SEC + 700 * MS));
    tc_progress_draw(&p, &v, 1000 * SEC + 799 * MS); /* tenths are cut, never rounded up */
    CHECK(is(sink_new(&s), "\rtcpcheck: waiting for db port 5432: 0/1 done, 0.7 s\033[K"));

    tc_progress_erase(&p);
    CHECK(is(sink_new(&s), "\r\033[K"));
    tc_progress_erase(&p); /* nothing shown: nothing written */
    CHECK(is(sink_new(&s), ""));
    tc_progress_draw(&p, &v, 1001 * SEC);
    CHECK(is(sink_new(&s), "\rtcpcheck: waiting for db port 5432: 0/1 done, 1.0 s\033[K"));
    tc_progress_close(&p); /* the run is over: erased */
    CHECK(is(sink_new(&s), "\r\033[K"));
    tc_progress_close(&p); /* twice is harmless */
    CHECK(is(sink_new(&s), ""));
    sink_close(&s);
}

/* No terminal, -q, -j, ping mode: never due, nothing written. */
static void test_never(void)
{
    struct sink s;
    sink_open(&s);
    struct tc_host db = {.name = "db"};
    struct tc_progress_view v = {.host = &db, .port = 1, .total = 1};
    struct tc_options quiet = {.quiet = true}, json = {.json = true}, ping = {.ping = true};
    const struct tc_options *silent[] = {&quiet, &json, &ping};
    for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++) {
        struct tc_progress p;
        tc_progress_open(&p, s.f, silent[i], 0);
        CHECK(!tc_progress_due(&p, 10 * SEC));
        tc_progress_draw(&p, &v, 10 * SEC);
        tc_progress_close(&p);
    }
    struct tc_options plain = {0};
    struct tc_progress p;
    tc_progress_open(&p, NULL, &plain, 0);
    CHECK(!tc_progress_due(&p, 10 * SEC));
    tc_progress_draw(&p, &v, 10 * SEC);
    tc_progress_close(&p);
    CHECK(is(sink_new(&s), ""));
    sink_close(&s);
}

/* ---- what ---- */

static const char *drawn(struct sink *s, const struct tc_options *opt,
                         const struct tc_progress_view *v, tc_usec elapsed)
{
    struct tc_progress p;
    tc_progress_open(&p, s->f, opt, 0);
    tc_progress_draw(&p, v, elapsed);
    p.shown = false; /* only the draw is looked at */
    tc_progress_close(&p);
    return sink_new(s);
}

static void test_words(void)
{
    struct sink s;
    sink_open(&s);
    struct tc_host db = {.name = "db"}, v6 = {.name = "::1", .numeric = true},
                   sock = {.name = "/run/app.sock", .unix_socket = true},
                   hostile = {.name = "a\033[31mb\r\n\xff"};
    struct tc_progress_view v = {.host = &db, .port = 5432, .done = 2, .total = 5};

    struct tc_options w30 = wait_options("30", 30 * SEC), w2m = wait_options("2m", 120 * SEC),
                      w0 = wait_options("0", 0), once = {0};
    CHECK(is(drawn(&s, &w30, &v, 12345 * MS),
             "\rtcpcheck: waiting for db port 5432: 2/5 done, 12.3 s of 30 s\033[K"));
    CHECK(is(drawn(&s, &w2m, &v, 61 * SEC),
             "\rtcpcheck: waiting for db port 5432: 2/5 done, 61.0 s of 2m\033[K"));
    CHECK(is(drawn(&s, &w0, &v, 3 * SEC), /* -W 0: no limit to show */
             "\rtcpcheck: waiting for db port 5432: 2/5 done, 3.0 s\033[K"));
    CHECK(is(drawn(&s, &once, &v, 3 * SEC),
             "\rtcpcheck: waiting for db port 5432: 2/5 done, 3.0 s\033[K"));

    v = (struct tc_progress_view){.host = &v6, .port = 22, .done = 0, .total = 65535};
    CHECK(is(drawn(&s, &once, &v, SEC),
             "\rtcpcheck: waiting for ::1 port 22: 0/65535 done, 1.0 s\033[K"));
    v.host = &sock;
    CHECK(is(drawn(&s, &once, &v, SEC),
             "\rtcpcheck: waiting for /run/app.sock: 0/65535 done, 1.0 s\033[K"));
    v.host = &hostile; /* a name is user data: through the one escaper */
    CHECK(is(drawn(&s, &once, &v, SEC),
             "\rtcpcheck: waiting for a\\x1b[31mb\\r\\n\\xff port 22: 0/65535 done, 1.0 s\033[K"));
    v.host = NULL; /* every target left is done, not yet reported */
    CHECK(is(drawn(&s, &once, &v, SEC), "\rtcpcheck: 0/65535 done, 1.0 s\033[K"));
    sink_close(&s);
}

/* ---- how wide ---- */

/* The visible part of one draw: between "\r" and "ESC[K". */
static size_t visible(const char *draw)
{
    const char *end = strstr(draw, "\033[K");
    return draw[0] == '\r' && end ? (size_t)(end - draw - 1) : (size_t)-1;
}

static void test_fallback_width(void)
{
    struct sink s; /* a memory stream has no size: 80 columns */
    sink_open(&s);
    char name[201];
    memset(name, 'n', 200);
    name[0] = 'A';
    name[199] = 'Z';
    name[200] = '\0';
    struct tc_host h = {.name = name};
    struct tc_progress_view v = {.host = &h, .port = 8080, .done = 1, .total = 2};
    struct tc_options opt = wait_options("30", 30 * SEC);
    const char *d = drawn(&s, &opt, &v, SEC);
    CHECK(visible(d) == 79);
    CHECK(strncmp(d, "\rtcpcheck: waiting for Ann", 26) == 0); /* its start */
    CHECK(strstr(d, "...") && strstr(d, "nnZ port 8080: 1/2 done, 1.0 s of 30 s\033[K")); /* end */
    sink_close(&s);
}

/* A pseudo-terminal COLS wide; returns the master (reads what was drawn), *slave for writing. */
static int pty_of_width(unsigned short cols, FILE **slave)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
        return -1;
    int fd = open(ptsname(master), O_RDWR | O_NOCTTY);
    struct winsize ws = {.ws_row = 24, .ws_col = cols};
    if (fd < 0 || ioctl(fd, TIOCSWINSZ, &ws) != 0)
        return -1;
    *slave = fdopen(fd, "w");
    return *slave ? master : -1;
}

static const char *read_pty(int master)
{
    static char text[4096];
    ssize_t n = read(master, text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    return text;
}

static void test_terminal_width(void)
{
    struct tc_host db = {.name = "a-rather-long-host-name.example"};
    struct tc_progress_view v = {.host = &db, .port = 5432, .done = 123, .total = 456};
    struct tc_options opt = wait_options("30", 30 * SEC);
    static const unsigned short widths[] = {100, 75, 60, 20, 2};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        FILE *slave;
        int master = pty_of_width(widths[i], &slave);
        CHECK(master >= 0);
        if (master < 0)
            return;
        struct tc_progress p;
        tc_progress_open(&p, slave, &opt, 0);
        tc_progress_draw(&p, &v, 2 * SEC);
        const char *d = read_pty(master);
        size_t width = visible(d);
        CHECK(width < widths[i]); /* the last column stays free: the line never wraps */
        if (widths[i] >= 75)
            CHECK(strstr(d, " 123/456 done, 2.0 s of 30 s\033[K") != NULL);
        if (widths[i] == 75) /* the name shortened in the middle, its port and the counts kept */
            CHECK(width == 74 && strstr(d, "waiting for a-rat...ample port 5432: 123/456 done"));
        if (widths[i] == 60) /* no room for a name: the counts alone */
            CHECK(is(d, "\rtcpcheck: 123/456 done, 2.0 s of 30 s\033[K"));
        tc_progress_close(&p);
        fclose(slave);
        close(master);
    }

    FILE *slave; /* one column: no room for anything, nothing drawn */
    int master = pty_of_width(1, &slave);
    struct tc_progress p;
    tc_progress_open(&p, slave, &opt, 0);
    tc_progress_draw(&p, &v, 2 * SEC);
    CHECK(!p.shown);
    tc_progress_close(&p);
    fclose(slave);
    int flags = fcntl(master, F_GETFL);
    fcntl(master, F_SETFL, flags | O_NONBLOCK);
    CHECK(is(read_pty(master), ""));
    close(master);
}

int main(void)
{
    test_timing();
    test_never();
    test_words();
    test_fallback_width();
    test_terminal_width();
    return DONE("test_progress");
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* progress.c: the live progress line (progress.h; tcpcheck(1), OUTPUT, "The progress line").
 *
 * The line is written as "\r", the text, "ESC[K" (erase to the end of the line) in one write,
 * and erased as "\r" "ESC[K": the two controls every terminal tcpcheck draws on understands
 * (the faces leave TERM=dumb alone), so no terminfo is needed.  The text is printable ASCII
 * only (user words go through the one escaper), so its length in bytes is its width on the
 * screen, and it is kept shorter than the terminal (TIOCGWINSZ, asked on every draw so a
 * resized window is followed; 80 columns when the terminal does not say): a line that wrapped
 * could not be erased with one "\r".  No timer and no signal: the scheduler's poll loop wakes
 * up at least every 100 ms and asks tc_progress_due().
 */
#include "progress.h"

#include "escape.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

/* A run shorter than FIRST_DRAW draws nothing, so a quick probe never flickers; then at most
 * one draw every REDRAW: five a second. */
#define FIRST_DRAW 500000
#define REDRAW 200000
#define FALLBACK_COLUMNS 80
#define ERASE "\r\033[K"

/* ---- opening and closing ---- */

/* -q promises silence; -j objects and ping mode's lines go to stdout, which may be the same
 * terminal, as lines of their own: whatever the face says, those runs draw nothing. */
void tc_progress_open(struct tc_progress *p, FILE *tty, const struct tc_options *opt, tc_usec start)
{
    *p = (struct tc_progress){
        .tty = opt->quiet || opt->json || opt->ping ? NULL : tty,
        .opt = opt,
        .start = start,
        .next = start + FIRST_DRAW,
    };
}

void tc_progress_close(struct tc_progress *p)
{
    tc_progress_erase(p);
    tc_buf_free(&p->text);
    tc_buf_free(&p->name);
    p->tty = NULL;
}

/* ---- writing to the terminal ---- */

/* A terminal that fails a write (hung up, revoked) gets nothing more from this run. */
static bool put(struct tc_progress *p, const char *bytes, size_t n)
{
    if (fwrite(bytes, 1, n, p->tty) == n && fflush(p->tty) == 0)
        return true;
    p->tty = NULL;
    p->shown = false;
    return false;
}

void tc_progress_erase(struct tc_progress *p)
{
    if (!p->shown)
        return;
    p->shown = false;
    put(p, ERASE, strlen(ERASE));
}

/* ---- what the line says ---- */

static size_t terminal_columns(FILE *tty)
{
    struct winsize ws;
    if (ioctl(fileno(tty), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return FALLBACK_COLUMNS;
}

/* "2/5 done, 1.2 s of 30 s": the time is cut to the tenth below, never ahead of the clock. */
static void describe_counts(char *out, size_t size, const struct tc_progress *p,
                            const struct tc_progress_view *v, tc_usec now)
{
    long long tenths = now > p->start ? (long long)((now - p->start) / 100000) : 0;
    int n = snprintf(out, size, "%llu/%llu done, %lld.%lld s", (unsigned long long)v->done,
                     (unsigned long long)v->total, tenths / 10, tenths % 10);
    if (n > 0 && (size_t)n < size && p->opt->wait_mode && p->opt->wait.usec > 0) {
        char phrase[TC_SECONDS_PHRASE_MAX];
        tc_seconds_phrase(phrase, sizeof phrase, p->opt->wait.text);
        snprintf(out + n, size - (size_t)n, " of %s", phrase);
    }
}

/* The host's name (escaped, in p->name) in at most `room` columns: shortened in the middle
 * ("a-very-lo...example.com") so that both of its ends stay. */
static void put_fitted(struct tc_buf *b, const struct tc_buf *name, size_t room)
{
    if (name->len <= room) {
        tc_buf_append(b, name->data, name->len);
        return;
    }
    size_t keep = room - 3, front = keep / 2;
    tc_buf_append(b, name->data, front);
    tc_buf_puts(b, "...");
    tc_buf_append(b, name->data + name->len - (keep - front), keep - front);
}

/* The bytes of one draw into p->text: "\r", the line (at most `width` columns), "ESC[K".
 * What gives way on a narrow terminal: the middle of the name first, then the whole "waiting
 * for ..." part; the counts stay (cut only when even they do not fit). */
static void compose(struct tc_progress *p, const struct tc_progress_view *v, tc_usec now,
                    size_t width)
{
    static const char lead[] = "tcpcheck: ", waiting[] = "waiting for ", colon[] = ": ";
    char counts[128], port[16] = "";
    describe_counts(counts, sizeof counts, p, v, now);
    tc_buf_reset(&p->text);
    tc_buf_puts(&p->text, "\r");
    tc_buf_puts(&p->text, lead);
    if (v->host) {
        tc_buf_reset(&p->name);
        tc_escape_string(&p->name, v->host->name); /* a host name is user data */
        if (!v->host->unix_socket)
            snprintf(port, sizeof port, " port %u", (unsigned)v->port);
        size_t fixed =
            strlen(lead) + strlen(waiting) + strlen(port) + strlen(colon) + strlen(counts);
        if (!p->name.failed && fixed + 5 <= width) { /* room for at least "a...b" */
            tc_buf_puts(&p->text, waiting);
            put_fitted(&p->text, &p->name, width - fixed);
            tc_buf_puts(&p->text, port);
            tc_buf_puts(&p->text, colon);
        }
    }
    tc_buf_puts(&p->text, counts);
    if (!p->text.failed && p->text.len > width + 1) { /* a very narrow terminal: cut */
        p->text.len = width + 1;
        p->text.data[p->text.len] = '\0';
    }
    tc_buf_puts(&p->text, "\033[K");
}

/* ---- drawing ---- */

bool tc_progress_due(const struct tc_progress *p, tc_usec now)
{
    return p->tty && now >= p->next;
}

void tc_progress_draw(struct tc_progress *p, const struct tc_progress_view *v, tc_usec now)
{
    if (!tc_progress_due(p, now))
        return;
    p->next = now + REDRAW;
    size_t columns = terminal_columns(p->tty);
    if (columns < 2)
        return;
    compose(p, v, now, columns - 1); /* the last column is left free: no wrap, ever */
    if (p->text.failed)
        return; /* out of memory: no line rather than half of one */
    p->shown = put(p, p->text.data, p->text.len);
}

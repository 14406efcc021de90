/* SPDX-License-Identifier: GPL-3.0-or-later */
/* progress.h: the live progress line on a terminal (tcpcheck(1), OUTPUT, "The progress line").
 *
 * One line on the face's terminal while a run lasts: the first target not done, how many are
 * done of how many, the time since the start (of -W in wait mode).  The scheduler asks
 * tc_progress_due() on each turn of its poll loop and only then works out what the line says;
 * it erases the line before it prints anything else and before it returns, so nothing of it
 * stays on the screen.  The face decides whether there is a terminal (sink.progress); this
 * module decides what is drawn and when: not before the run has lasted a moment, at most five
 * times a second, never with -q, -j or in ping mode.
 */
#ifndef TC_PROGRESS_H
#define TC_PROGRESS_H

#include "buf.h"
#include "tcpcheck.h"

/* What the line is about, filled by the scheduler when a draw is due. */
struct tc_progress_view {
    const struct tc_host *host; /* the first target not done, in argument order; NULL: none */
    uint16_t port;
    uint64_t done, total;
};

struct tc_progress {
    FILE *tty; /* NULL: nothing is ever drawn */
    const struct tc_options *opt;
    tc_usec start;            /* the run's start */
    tc_usec next;             /* no draw before this */
    bool shown;               /* a line is on the terminal now */
    struct tc_buf text, name; /* the bytes of a draw; the host's name escaped */
};

/* tty: the face's terminal (sink.progress), or NULL. */
void tc_progress_open(struct tc_progress *p, FILE *tty, const struct tc_options *opt,
                      tc_usec start);

/* Is a draw due now?  Cheap: the poll loop asks on every turn. */
bool tc_progress_due(const struct tc_progress *p, tc_usec now);

/* Draw the line (in place of the one shown, if any). */
void tc_progress_draw(struct tc_progress *p, const struct tc_progress_view *v, tc_usec now);

/* Before any other line goes to the terminal: the line is erased, drawn again when next due. */
void tc_progress_erase(struct tc_progress *p);

/* The run is over: the line erased, the memory released. */
void tc_progress_close(struct tc_progress *p);

#endif

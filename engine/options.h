/* SPDX-License-Identifier: GPL-3.0-or-later */
/* options.h: the one option table (tcpcheck(1), SYNOPSIS and OPTIONS).
 *
 * Every option letter is written down here once: its argument, its help line, the forms that
 * take it and the options it cannot come with.  The parser, the -H pre-scan, `--help`,
 * `help tcpcheck` and both synopsis lines are read from it.
 */
#ifndef TC_OPTIONS_H
#define TC_OPTIONS_H

#include "tcpcheck.h"

/* Forms as bits (1 << enum tc_form), for an option only some forms take. */
#define TC_IN_PROGRAM (1u << TC_FORM_PROGRAM)
#define TC_IN_BUILTIN (1u << TC_FORM_BUILTIN)

struct tc_option_spec {
    char letter;
    const char *arg;      /* the argument's name ("SECS"), or NULL for a flag */
    const char *help;     /* for people; '\n' starts a continuation line */
    unsigned only;        /* TC_IN_* when only those forms take it; 0: every form */
    bool alone;           /* a flag the synopsis shows as [-j], outside the cluster */
    const char *excludes; /* letters it cannot be given with, or NULL; both ways in the table */
};

/* In the order of --help and of the synopsis after its flag cluster. */
extern const struct tc_option_spec tc_option_table[];
extern const size_t tc_option_count;

/* The option of that letter, or NULL. */
const struct tc_option_spec *tc_option_find(char letter);

/* Whether the form takes the option (the other form says "only for the ..."). */
bool tc_option_in_form(const struct tc_option_spec *o, enum tc_form form);

#endif

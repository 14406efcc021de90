/* SPDX-License-Identifier: GPL-3.0-or-later */
/* options.c: the one option table, and the help text made from it (tcpcheck(1), SYNOPSIS
 * and OPTIONS).
 *
 * Adding an option means one entry here and one case in args.c's set_option(); the help of
 * both forms and both synopsis lines follow by themselves, and tests/options.bats checks that
 * the man page, the bash completion and the sh fallback name the same options.
 */
#include "options.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* ---- the table ---- */

const struct tc_option_spec tc_option_table[] = {
    {.letter = 'w',
     .arg = "SECS",
     .help = "deadline of one attempt, name resolution included (default 5)"},
    {.letter = 'W',
     .arg = "SECS",
     .excludes = "k",
     .help = "wait mode: retry targets that are not open until they open\n"
             "or SECS pass (-W 0: no time limit)"},
    {.letter = 'i',
     .arg = "SECS",
     .help = "pause between attempts (wait mode) or probes (ping mode),\n"
             "from the start of the last one (default 0.1; with -k: 1)"},
    {.letter = 'k',
     .arg = "COUNT",
     .excludes = "WC",
     .help = "ping mode: probe each target COUNT times, one probe every -i,\n"
             "a line per probe and a summary per target on stdout\n"
             "(-k 0: until Ctrl-C, which ends the run as it ends ping)"},
    {.letter = 'C',
     .excludes = "SEk",
     .help = "expect closed: a target passes when it is refused; -a, -m,\n"
             "-W and -- COMMAND count passing targets"},
    {.letter = 'R', .help = "close with a reset instead of normally: no TIME_WAIT here"},
    {.letter = 'a', .help = "success when any target is open (the same as -m 1)"},
    {.letter = 'm', .arg = "N", .help = "success when at least N targets are open"},
    {.letter = 'c', .arg = "N", .help = "at most N connections in flight"},
    {.letter = '4', .excludes = "6", .help = "IPv4 addresses only"},
    {.letter = '6', .excludes = "4", .help = "IPv6 addresses only"},
    {.letter = 'n', .help = "numeric hosts only, no name resolution"},
    {.letter = 's', .arg = "ADDR", .help = "bind this local source address"},
    {.letter = 'x',
     .arg = "PROXY",
     .help = "connect through PROXY: socks5://, socks5h:// or http://,\n"
             "then [USER:PASS@]HOST:PORT"},
    {.letter = 'S',
     .arg = "DATA",
     .excludes = "C",
     .help = "send DATA after connecting (escapes \\r \\n \\t \\\\ \\0 \\xHH)"},
    {.letter = 'E',
     .arg = "PATTERN",
     .excludes = "C",
     .help = "read the reply until it matches the shell glob PATTERN\n"
             "(4096 bytes at most)"},
    {.letter = 'H', .help = "healthcheck statuses: every failure is 1, an interrupt 130"},
    {.letter = 'q', .help = "print nothing about targets (ping mode: the summaries only)"},
    {.letter = 'v', .help = "also report successes (-vv: address and connect time)"},
    {.letter = 'z', .help = "accepted and ignored, as in nc -z"},
    {.letter = 'j',
     .alone = true,
     .help = "one JSON object per target on stdout\n"
             "(ping mode: one per probe, then one per target)"},
    {.letter = 'V',
     .arg = "NAME",
     .only = TC_IN_BUILTIN,
     .help = "set the associative array NAME: key HOST:PORT ([ADDR]:PORT\n"
             "for IPv6, unix:PATH), value the state word"},
};

const size_t tc_option_count = sizeof tc_option_table / sizeof tc_option_table[0];

const struct tc_option_spec *tc_option_find(char letter)
{
    for (size_t i = 0; letter && i < tc_option_count; i++)
        if (tc_option_table[i].letter == letter)
            return &tc_option_table[i];
    return NULL;
}

bool tc_option_in_form(const struct tc_option_spec *o, enum tc_form form)
{
    return !o->only || (o->only & (1u << form));
}

/* "-w SECS", "-q" */
static void put_label(struct tc_buf *out, const struct tc_option_spec *o)
{
    if (o->arg)
        tc_buf_printf(out, "-%c %s", o->letter, o->arg);
    else
        tc_buf_printf(out, "-%c", o->letter);
}

/* ---- the synopsis ---- */

/* In the cluster: digits, then letters as a dictionary sorts them ("46aCHnqRvz"). */
static int cluster_rank(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    int lower = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
    return 10 + lower * 2 + (lower != c);
}

static int by_cluster_rank(const void *a, const void *b)
{
    return cluster_rank(*(const char *)a) - cluster_rank(*(const char *)b);
}

/* "[-46aCHnqRvz]": the flags of the form that the synopsis does not show alone. */
static void put_cluster(struct tc_buf *out, enum tc_form form)
{
    char letters[sizeof tc_option_table / sizeof tc_option_table[0] + 1];
    size_t n = 0;
    for (size_t i = 0; i < tc_option_count; i++) {
        const struct tc_option_spec *o = &tc_option_table[i];
        if (!o->arg && !o->alone && tc_option_in_form(o, form))
            letters[n++] = o->letter;
    }
    qsort(letters, n, 1, by_cluster_rank);
    letters[n] = '\0';
    tc_buf_printf(out, "[-%s]", letters);
}

/* Appends one synopsis item, breaking the line first when it would reach `width`. */
static void put_item(struct tc_buf *out, const char *item, size_t *column, size_t width,
                     size_t indent)
{
    size_t n = strlen(item);
    if (width && *column + 1 + n >= width) {
        tc_buf_printf(out, "\n%*s%s", (int)indent, "", item);
        *column = indent + n;
        return;
    }
    tc_buf_printf(out, " %s", item);
    *column += 1 + n;
}

char *tc_help_synopsis(enum tc_form form, const char *lead, size_t width)
{
    struct tc_buf out = {0}, item = {0};
    tc_buf_printf(&out, "%stcpcheck ", lead);
    size_t indent = out.len;
    put_cluster(&out, form);
    size_t column = out.len;
    for (size_t i = 0; i < tc_option_count; i++) {
        const struct tc_option_spec *o = &tc_option_table[i];
        if (!tc_option_in_form(o, form) || (!o->arg && !o->alone))
            continue;
        tc_buf_reset(&item);
        tc_buf_puts(&item, "[");
        put_label(&item, o);
        tc_buf_puts(&item, "]");
        put_item(&out, item.failed ? "" : item.data, &column, width, indent);
    }
    put_item(&out, "TARGET...", &column, width, indent);
    if (form == TC_FORM_PROGRAM)
        put_item(&out, "[-- COMMAND [ARG...]]", &column, width, indent);
    bool failed = out.failed || item.failed;
    tc_buf_free(&item);
    if (failed)
        tc_buf_free(&out);
    return out.data;
}

/* ---- the option lines ---- */

static size_t label_width(void)
{
    size_t widest = 0;
    for (size_t i = 0; i < tc_option_count; i++) {
        const struct tc_option_spec *o = &tc_option_table[i];
        size_t n = 2 + (o->arg ? 1 + strlen(o->arg) : 0);
        widest = n > widest ? n : widest;
    }
    return widest + 2;
}

char *tc_help_options(enum tc_form form)
{
    struct tc_buf out = {0};
    size_t width = label_width();
    for (size_t i = 0; i < tc_option_count; i++) {
        const struct tc_option_spec *o = &tc_option_table[i];
        if (!tc_option_in_form(o, form))
            continue;
        size_t start = out.len;
        tc_buf_puts(&out, "  ");
        put_label(&out, o);
        tc_buf_printf(&out, "%*s", (int)(width - (out.len - start - 2)), "");
        for (const char *line = o->help; *line;) {
            size_t n = strcspn(line, "\n");
            tc_buf_append(&out, line, n);
            tc_buf_puts(&out, "\n");
            line += n + (line[n] == '\n');
            if (*line)
                tc_buf_printf(&out, "%*s", (int)(width + 2), "");
        }
    }
    if (out.failed)
        tc_buf_free(&out);
    return out.data;
}

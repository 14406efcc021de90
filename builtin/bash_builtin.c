/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bash_builtin.c: `tcpcheck` as a bash loadable builtin (`enable -f tcpcheck.so tcpcheck`).
 *
 * The glue is thin on purpose: bash's words become an argv for the shared parser, the engine
 * probes, and this file only does what needs the shell: messages through builtin_error(),
 * Ctrl-C and traps through bash's own flags (no handler of ours, no alarm()), and -V NAME
 * through bash's variable API: namerefs resolved and the name checked before anything is
 * probed, bash's own variables refused or given bash's hook, one by one.  Every allocation is
 * released before anything that can longjmp (QUIT) runs.  In ping mode SIGINT stays blocked
 * and is read from a signalfd, so that Ctrl-C ends the run as it ends ping, and bash, which
 * never sees it, goes on as after a command that caught it.
 */
#include <config.h> /* bash's: defines _GNU_SOURCE, so it comes before any system header */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "loadables.h"
#include "version.h" /* bash's: DISTVERSION, the release of these headers */

#include "tcpcheck.h"

/* trap.c: trap.h is not installed with bash's headers. */
extern int first_pending_trap(void);
extern int signal_is_pending(int sig);

/* ---- bash's words to an argv ---- */

/* The words after the command name as a NULL-terminated argv pointing into the list (no
 * copies).  malloc, not xmalloc: the size comes from the user, and a failed xmalloc would
 * exit the shell.  NULL when out of memory. */
static char **words_to_argv(WORD_LIST *list, int *argc)
{
    size_t n = 0;
    for (WORD_LIST *w = list; w; w = w->next)
        n++;
    if (n >= (size_t)INT_MAX)
        return NULL;
    char **argv = malloc((n + 1) * sizeof *argv);
    if (!argv)
        return NULL;
    n = 0;
    for (WORD_LIST *w = list; w; w = w->next)
        argv[n++] = w->word->word;
    argv[n] = NULL;
    *argc = (int)n;
    return argv;
}

/* Bash's convention (and the contract): a usage error is 2, which bash reports for EX_USAGE
 * in every context; -H turns it into 1 for Docker's HEALTHCHECK. */
static int usage_failure(bool healthcheck)
{
    return healthcheck ? EXECUTION_FAILURE : EX_USAGE;
}

/* ---- interrupts ---- */

/* Signals whose default action is to do nothing: a trap on them (a `trap ... CHLD` that
 * counts finished jobs, a WINCH trap) must not stop a probe, as they would with no trap. */
static bool harmless_signal(int sig)
{
    return sig == SIGCHLD || sig == SIGWINCH || sig == SIGURG || sig == SIGCONT;
}

/* The lowest trapped signal that arrived and should stop the run, or 0. */
static int pending_trapped_signal(void)
{
    int sig = first_pending_trap();
    if (sig <= 0 || !harmless_signal(sig))
        return sig > 0 ? sig : 0;
    for (sig = 1; sig < NSIG; sig++)
        if (!harmless_signal(sig) && signal_is_pending(sig))
            return sig;
    return 0;
}

/* What one call shares with the engine's callbacks (sink.ctx). */
struct call {
    struct var_results *vr; /* -V: the results kept, else NULL */
    int sigint_fd;          /* ping mode: the signalfd SIGINT arrives on, else -1 */
    bool sigint;            /* ... and one did */
};

/* Ping mode: has a SIGINT arrived?  Reading it takes it from the kernel, so bash never acts on
 * it. */
static bool ping_sigint(struct call *c)
{
    struct signalfd_siginfo info;
    while (!c->sigint && c->sigint_fd >= 0 && read(c->sigint_fd, &info, sizeof info) > 0)
        c->sigint = info.ssi_signo == SIGINT;
    return c->sigint;
}

/* sink.interrupted: 128 + the signal that must end the run, else 0.  All three flags are
 * needed: a script with an EXIT trap or a subshell sees terminating_signal, an interactive
 * shell interrupt_state, and a trapped INT only a pending trap; in ping mode a SIGINT comes
 * from the signalfd. */
static int pending_interrupt(void *ctx)
{
    if (terminating_signal)
        return 128 + terminating_signal;
    if (interrupt_state)
        return 128 + SIGINT;
    int sig = pending_trapped_signal();
    if (sig)
        return 128 + sig;
    return ping_sigint(ctx) ? 128 + SIGINT : 0;
}

/* Ping mode: a signalfd for SIGINT, which the caller keeps blocked (tcpcheck(1), PING MODE: a
 * script goes on after Ctrl-C as after ping, whatever bash would do with SIGINT: a shell that
 * left it at its default would die of it).  Never descriptor 0, which the sink reads as none.
 * -1 when none could be made: then SIGINT stops the run as it stops any other.  Not for a
 * SIGINT the shell ignores (`trap '' INT'): blocked, it would be queued for the signalfd and
 * end the run that ignoring promised to leave alone. */
static int ping_sigint_open(void)
{
    struct sigaction now;
    if (sigaction(SIGINT, NULL, &now) == 0 && now.sa_handler == SIG_IGN)
        return -1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd == 0) { /* stdin was closed */
        int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        fd = moved;
    }
    return fd;
}

/* Every SIGINT that came during the ping run was its own: none is left for bash. */
static void ping_sigint_close(struct call *c)
{
    if (c->sigint_fd < 0)
        return;
    struct signalfd_siginfo info;
    while (read(c->sigint_fd, &info, sizeof info) > 0)
        continue;
    close(c->sigint_fd);
    c->sigint_fd = -1;
}

/* The engine returns 128 + signal only when it was interrupted; its other statuses are < 8. */
static bool interrupt_status(int status)
{
    return status > 128;
}

/* Run the engine with the stopping signals blocked except inside its ppoll(): a signal that
 * lands between the engine's flag check and its wait is then not slept through.  SIGCHLD
 * stays blocked while waiting so that background jobs finishing do not wake the loop, and so
 * does SIGINT in ping mode, where the signalfd wakes the loop instead. */
static int run_with_signals_held(const struct tc_request *req, struct tc_sink *sink, struct call *c)
{
    sigset_t stop_signals, original, wait_mask;

    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    sigaddset(&stop_signals, SIGQUIT);
    sigprocmask(SIG_BLOCK, &stop_signals, &original);
    wait_mask = original;
    sigaddset(&wait_mask, SIGCHLD);
    if (req->opt.ping && (c->sigint_fd = ping_sigint_open()) > 0) {
        sigaddset(&wait_mask, SIGINT);
        sink->wake_fd = c->sigint_fd;
    }
    sink->wait_mask = &wait_mask;

    int status = tc_run(req, sink);

    sink->wait_mask = NULL;
    ping_sigint_close(c);
    sigprocmask(SIG_SETMASK, &original, NULL);
    return status;
}

/* ---- -V NAME ---- */

/* One final result, kept until the run is over: the array is only touched after it, so an
 * interrupted run leaves NAME as it was. */
struct var_entry {
    char *key; /* "HOST:PORT", "[ADDR]:PORT" */
    enum tc_state state;
};

struct var_results {
    struct var_entry *entries;
    size_t count, capacity;
    bool out_of_memory;
};

static void var_results_free(struct var_results *vr)
{
    for (size_t i = 0; i < vr->count; i++)
        free(vr->entries[i].key);
    free(vr->entries);
    *vr = (struct var_results){0};
}

static bool var_results_grow(struct var_results *vr)
{
    size_t capacity = vr->capacity ? vr->capacity * 2 : 16;
    struct var_entry *entries = realloc(vr->entries, capacity * sizeof *entries);
    if (!entries)
        return false;
    vr->entries = entries;
    vr->capacity = capacity;
    return true;
}

/* The array key of a result: an IPv6 host is bracketed, as in the target syntax; a unix:
 * target's key is unix:PATH, as written without the URL form's slashes. */
static char *result_key(const struct tc_result *r)
{
    size_t size = strlen(r->host) + sizeof "[]:65535";
    char *key = malloc(size);
    if (!key)
        return NULL;
    if (r->unix_socket)
        snprintf(key, size, "unix:%s", r->host);
    else if (strchr(r->host, ':'))
        snprintf(key, size, "[%s]:%u", r->host, (unsigned)r->port);
    else
        snprintf(key, size, "%s:%u", r->host, (unsigned)r->port);
    return key;
}

/* sink.result: remember every final result (many with a port range, hence the growth). */
static void collect_result(void *ctx, const struct tc_result *r)
{
    struct var_results *vr = ((struct call *)ctx)->vr;
    if (vr->out_of_memory)
        return;
    if (vr->count == vr->capacity && !var_results_grow(vr)) {
        vr->out_of_memory = true;
        return;
    }
    char *key = result_key(r);
    if (!key) {
        vr->out_of_memory = true;
        return;
    }
    vr->entries[vr->count++] = (struct var_entry){key, r->state};
}

/* ---- -V NAME: which variable, and may it become an array ---- */

/* Variables bash itself reads as plain strings, or whose mere presence switches something on.
 * Made an associative array, they would leave bash reading freed memory or garbage (IFS: 1.0's
 * use-after-free in word splitting; PATH: command search reads the table as a string) or change
 * how the shell behaves (POSIXLY_CORRECT turns on POSIX mode), so -V refuses them.  Found by
 * reading bash 5.2.15: special_vars[] and its hooks in variables.c, and every reader of a fixed
 * name in subst.c, findcmd.c, eval.c, bashline.c, pcomplete.c and execute_cmd.c.  Variables that
 * bash computes (RANDOM, SECONDS, BASH_ALIASES, ...) are refused by bash_owns() for their value
 * and assignment hooks, arrays and readonly ones as always.  The other special variables
 * (HISTSIZE, LANG, LC_*, TZ, OPTIND and more) are read through bash's get_string_value(), which
 * sees an array without a "0" key as unset: they are accepted, and bash's hook runs as for
 * `declare -A NAME' (tcpcheck(1), THE BASH BUILTIN, has the list). */
static const struct {
    const char *name;
    const char *why;
} bash_owned[] = {
    {"IFS", "word splitting reads it as a string"},
    {"PATH", "command search reads it as a string"},
    {"TMOUT", "the interactive shell reads it as a string"},
    {"BASH_XTRACEFD", "set -x reads it as a string"},
    {"BASH_COMPAT", "bash reads it as a string"},
    {"FUNCNEST", "bash reads it as a string"},
    {"IGNOREEOF", "bash reads it as a string"},
    {"ignoreeof", "bash reads it as a string"},
    {"READLINE_LINE", "bind -x reads it as a string"},
    {"READLINE_POINT", "bind -x reads it as a string"},
    {"READLINE_MARK", "bind -x reads it as a string"},
    {"COMP_WORDS", "completion rebuilds it from its string value"},
    {"COPROC", "coproc rebuilds it from its string value"},
    {"POSIXLY_CORRECT", "its presence turns on POSIX mode"},
    {"HISTTIMEFORMAT", "its presence turns on history timestamps"},
    {"_", "bash sets it after every command"},
};

/* Why bash keeps the variable NAME (v: its variable, or NULL) for itself; NULL when -V may use
 * it. */
static const char *bash_owns(const char *name, const SHELL_VAR *v)
{
    for (size_t i = 0; i < sizeof bash_owned / sizeof bash_owned[0]; i++)
        if (strcmp(name, bash_owned[i].name) == 0)
            return bash_owned[i].why;
    if (v && (v->dynamic_value || v->assign_func))
        return "bash computes its value";
    return NULL;
}

/* The variable that -V NAME writes: NAME, or the end of its chain of namerefs, as `declare -A
 * NAME' would follow it.  A nameref without a value (`declare -n r') is itself the target, as
 * for declare.  Returns a malloc'd copy, or NULL after one line (a target that is not a
 * variable name, a circular or too long chain). */
static char *var_target(const char *name)
{
    if (!legal_identifier((char *)name)) {
        sh_invalidid((char *)name);
        return NULL;
    }
    const char *target = name;
    for (int level = 0;; level++) {
        SHELL_VAR *v = find_variable_noref(target);
        if (!v || !nameref_p(v) || !nameref_cell(v) || !*nameref_cell(v))
            break;
        if (level == NAMEREF_MAX) {
            builtin_error("%s: circular name reference, or more than %d namerefs", name,
                          NAMEREF_MAX);
            return NULL;
        }
        target = nameref_cell(v);
        if (!legal_identifier((char *)target)) {
            builtin_error("%s: a nameref to `%s', which is not a variable name", name, target);
            return NULL;
        }
    }
    char *copy = strdup(target);
    if (!copy)
        builtin_error("%s: out of memory", name);
    return copy;
}

/* May TARGET (from var_target) become an associative array?  Checked before anything is
 * probed.  Only messages that print: err_readonly() and report_error() would exit the shell
 * under `set -e', even in `tcpcheck ... || handled'. */
static bool var_target_acceptable(const char *target)
{
    SHELL_VAR *v = find_variable_noref(target);
    const char *why = bash_owns(target, v);
    if (why) {
        builtin_error("%s: a variable bash uses itself (%s); -V needs another name", target, why);
        return false;
    }
    if (v && tempvar_p(v)) {
        builtin_error("%s: assigned for this command only, the array would be lost", target);
        return false;
    }
    if (v && (readonly_p(v) || noassign_p(v))) {
        sh_readonly(target);
        return false;
    }
    if (v && array_p(v)) {
        builtin_error("%s: cannot convert indexed to associative array", target);
        return false;
    }
    return true;
}

/* Make TARGET an associative array holding exactly the collected results, as `declare -A'
 * does, bash's own hook for a special name included (stupidly_hack_special_variables: HISTSIZE
 * unstifles the history, LC_ALL resets the locale, ...).  The existing array is flushed rather
 * than unset, so `local -A' stays local and attributes stay.  ASS_NOEVAL stores values
 * verbatim: on a `declare -Ai' array bash would evaluate "timeout" as arithmetic, and a syntax
 * error there longjmps out of this function. */
static bool var_fill(char *target, const struct var_results *vr)
{
    SHELL_VAR *v = find_variable_noref(target);
    if (v && nameref_p(v))
        VUNSETATTR(v, att_nameref);                 /* `declare -n r' without a value: r itself */
    v = find_or_make_array_variable(target, 1 | 2); /* 2: associative */
    if (!v || !assoc_p(v))
        return false;
    VUNSETATTR(v, att_invisible); /* `local -A R' declared but never set */
    if (exported_p(v)) {
        /* An array is never exported, but bash's own getenv() returns an exported variable's
         * value cell, which for an array is its table: every library in the shell process
         * (c-ares' RES_OPTIONS, ncurses' TERM, ...) would read that as a string. */
        VUNSETATTR(v, att_exported);
        array_needs_making = 1;
    }
    assoc_flush(assoc_cell(v));
    for (size_t i = 0; i < vr->count; i++) {
        const struct var_entry *e = &vr->entries[i];
        char *value = (char *)tc_state_word(e->state); /* bash copies the value */
        bind_assoc_variable(v, v->name, savestring(e->key), value, ASS_NOEVAL);
    }
    stupidly_hack_special_variables(v->name);
    return true;
}

/* ---- the builtin ---- */

/* sink.say: bash adds its usual "bash: line N: tcpcheck: " prefix. */
static void say_line(void *ctx, const char *line)
{
    (void)ctx;
    builtin_error("%s", line);
}

/* sink.tell: the -v success lines are nc's words, printed as they are, without a prefix. */
static void tell_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

/* Where the engine may draw its live progress line (tcpcheck(1), OUTPUT): only in an
 * interactive shell (someone typed the command and watches it; a script's terminal is the
 * script's to lay out), and only on a standard error that is a terminal able to erase a line
 * (TERM as bash itself reads it: unset or "dumb" cannot).  The engine adds its own rules (not
 * with -q, -j or in ping mode). */
static FILE *progress_terminal(void)
{
    const char *term = get_string_value("TERM");
    if (!interactive_shell || !isatty(fileno(stderr)) || !term || !*term ||
        strcmp(term, "dumb") == 0)
        return NULL;
    return stderr;
}

/* Probe a parsed request; returns the status before -H is applied. */
static int probe_request(const struct tc_request *req)
{
    char *target = NULL; /* -V: the variable to fill, checked before anything is probed */
    if (req->opt.var_name) {
        target = var_target(req->opt.var_name);
        if (!target || !var_target_acceptable(target)) {
            free(target);
            return usage_failure(req->opt.healthcheck);
        }
    }

    struct var_results vr = {0};
    struct call call = {.vr = &vr, .sigint_fd = -1};
    struct tc_sink sink = {
        .ctx = &call,
        .say = say_line,
        .tell = tell_line,
        .result = target ? collect_result : NULL,
        .interrupted = pending_interrupt,
        .out = stdout,
        .progress = progress_terminal(),
    };
    int status = run_with_signals_held(req, &sink, &call);

    if (target && !interrupt_status(status)) {
        if (vr.out_of_memory) {
            builtin_error("%s: out of memory", target);
            status = TC_EXIT_ERROR;
        } else if (!var_fill(target, &vr)) {
            status = TC_EXIT_ERROR;
        }
    }
    var_results_free(&vr);
    free(target);
    return status;
}

/* Parse, probe and report; returns a status for bash with nothing left allocated. */
static int parse_and_probe(int argc, char **argv)
{
    struct tc_request req = {0};
    struct tc_parse_result res = {0};
    int status = EXECUTION_SUCCESS;

    tc_parse_args(argc, argv, TC_FORM_BUILTIN, &req, &res);
    switch (res.outcome) {
    case TC_PARSE_HELP:
        builtin_help();
        status = EX_USAGE;
        break;
    case TC_PARSE_VERSION:
        printf("tcpcheck %s\n", TC_VERSION);
        break;
    case TC_PARSE_USAGE:
        builtin_error("%s", res.message);
        status = usage_failure(tc_args_want_healthcheck(argc, argv));
        break;
    case TC_PARSE_OK:
        status = probe_request(&req);
        if (!interrupt_status(status))
            status = tc_apply_healthcheck(&req.opt, status);
        tc_request_free(&req);
        break;
    }
    return status;
}

static int tcpcheck_builtin(WORD_LIST *list)
{
    /* As every bash builtin: `--help` prints the long help and fails with 2. */
    if (list && strcmp(list->word->word, "--help") == 0) {
        builtin_help();
        return EX_USAGE;
    }
    int argc = 0;
    char **argv = words_to_argv(list, &argc);
    if (!argv) {
        builtin_error("out of memory");
        return TC_EXIT_ERROR;
    }
    int status = parse_and_probe(argc, argv);
    free(argv);

    /* Everything is released: QUIT may now longjmp to the top level (Ctrl-C in an interactive
     * shell) or end the shell (SIGTERM, INT with an EXIT trap); a trapped INT returns here
     * and the trap runs once we return 130. */
    if (interrupt_status(status))
        QUIT;
    return sh_chkwrite(status); /* a failed write to stdout (-j, --version) is status 1 */
}

/* ---- what `enable -f` looks up ---- */

/* `help tcpcheck`: the first line alone, ending in a newline because `help -d` prints up to
 * it and no further; then the rest, whose option lines come from the engine's option table. */
static char doc_title[] = "Check whether TCP connections to HOST:PORT can be made right now.\n";

static const char doc_intro[] =
    "Probes every TARGET in parallel (reported in argument order) and says why a\n"
    "connection could not be made.  TARGET is HOST PORTS, HOST:PORTS,\n"
    "[IPV6]:PORTS, tcp://HOST:PORT, /dev/tcp/HOST/PORT or unix:PATH; PORTS is a\n"
    "number, a service name, a range LO-HI or a comma list of those.  SECS is\n"
    "seconds (5, 0.25) or has a unit (500ms, 30s, 2m, 1h).  Options go before\n"
    "targets.\n"
    "\n"
    "Options:\n";

static const char doc_outro[] =
    "  --version   print the version\n"
    "\n"
    "Run a command only on success with `tcpcheck ... && COMMAND'.  In an\n"
    "interactive shell, a run that lasts shows one live progress line when\n"
    "stderr is a terminal.\n"
    "\n"
    "Exit Status:\n"
    "  0 open (all targets, or as -a/-m ask), 1 refused, 2 usage error (nothing\n"
    "  probed), 3 timeout, 4 unresolved, 5 unreachable, 6 mismatch (-E; open with\n"
    "  -C), 7 local or proxy error, 130 interrupted.  With several targets: the\n"
    "  status of the first failing one in argument order.  Ping mode (-k): 0 when\n"
    "  every target had an open probe, as ping; Ctrl-C ends it with the summaries.";

/* Built by the load hook, freed by the unload hook: the text, split into lines in place. */
static char *doc_text, **doc_lines, *doc_synopsis;

/* The bash release this file is compiled for: a loadable uses bash's own structures and
 * functions (WORD_LIST, SHELL_VAR, the variable API), which are only kept stable within one
 * release (5.2.x).  The tests build a copy that expects another one. */
#ifndef TC_BASH_RELEASE
#define TC_BASH_RELEASE DISTVERSION
#endif

/* In a bash of another release, one line saying why; bash adds its own "not loaded" line. */
static bool same_bash_release(const char *name)
{
    if (strcmp(dist_version, TC_BASH_RELEASE) == 0)
        return true;
    builtin_error("%s: built for bash %s, this is bash %s.%d: not loaded", name, TC_BASH_RELEASE,
                  dist_version, patch_level);
    return false;
}

__attribute__((visibility("default"))) struct builtin tcpcheck_struct = {
    .name = "tcpcheck",
    .function = tcpcheck_builtin,
    .flags = BUILTIN_ENABLED,
    .long_doc = NULL, /* doc_build() */
    .short_doc = "tcpcheck [option]... TARGET...",
    .handle = NULL,
};

static void doc_free(void)
{
    free(doc_lines);
    free(doc_text);
    free(doc_synopsis);
    doc_lines = NULL;
    doc_text = doc_synopsis = NULL;
}

/* Splits doc_text at its newlines into doc_lines, after doc_title. */
static bool doc_split(void)
{
    size_t n = 2; /* the title and the NULL */
    for (const char *p = doc_text; *p; p++)
        n += *p == '\n';
    doc_lines = malloc((n + 1) * sizeof *doc_lines);
    if (!doc_lines)
        return false;
    size_t i = 0;
    doc_lines[i++] = doc_title;
    for (char *line = doc_text; line; i++) {
        doc_lines[i] = line;
        line = strchr(line, '\n');
        if (line)
            *line++ = '\0';
    }
    doc_lines[i] = NULL;
    return true;
}

static bool doc_build(void)
{
    if (doc_lines) /* loaded again: bash runs the load hook once more */
        return true;
    char *options = tc_help_options(TC_FORM_BUILTIN);
    doc_synopsis = tc_help_synopsis(TC_FORM_BUILTIN, "", 0);
    size_t size = options ? strlen(doc_intro) + strlen(options) + strlen(doc_outro) + 1 : 0;
    doc_text = options ? malloc(size) : NULL;
    if (doc_text)
        snprintf(doc_text, size, "%s%s%s", doc_intro, options, doc_outro);
    free(options);
    if (!doc_synopsis || !doc_text || !doc_split()) {
        doc_free();
        return false;
    }
    tcpcheck_struct.long_doc = doc_lines;
    tcpcheck_struct.short_doc = doc_synopsis;
    return true;
}

/* The hooks `enable -f` and `enable -d` look up by name. */
int tcpcheck_builtin_load(char *name);
void tcpcheck_builtin_unload(char *name);

/* `enable -f`, before the builtin is added: 0 refuses the load.  Nothing of ours runs in a
 * bash of another release; out of memory can only refuse too (bash says so). */
__attribute__((visibility("default"))) int tcpcheck_builtin_load(char *name)
{
    return same_bash_release(name) && doc_build();
}

/* `enable -d`: bash forgets the builtin, so the text it pointed to can go. */
__attribute__((visibility("default"))) void tcpcheck_builtin_unload(char *name)
{
    (void)name;
    tcpcheck_struct.long_doc = NULL;
    tcpcheck_struct.short_doc = "tcpcheck [option]... TARGET...";
    doc_free();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: the standalone program, a thin shell around the engine.
 *
 * Parses, probes, prints, and on success replaces itself with `-- COMMAND` (execvp), as
 * wait-for-it does, so an exec-form ENTRYPOINT needs no shell.  It follows LC_CTYPE as bash
 * does (so -E '?' is one character, not one byte), and a signal that was ignored when it
 * started stays ignored, for it and for COMMAND: `nohup tcpcheck ...` and a background job
 * started after `trap '' INT` keep their promise, as with every Unix tool.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcpcheck.h"

/* The one global of the program (not of the engine): a signal handler can only talk to the
 * rest of the program through a variable of this type. */
static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    caught_signal = sig;
}

static int check_interrupted(void *ctx)
{
    (void)ctx;
    return caught_signal ? 128 + caught_signal : 0;
}

static void say_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "tcpcheck: %s\n", line);
}

static void tell_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

/* --help: the synopsis and the option lines come from the engine's option table, the rest is
 * the program's own. */
static const char help_intro[] =
    "Can a TCP connection to each TARGET be made right now, and if not, why not?\n"
    "\n"
    "Targets: HOST PORTS..., HOST:PORTS, [IPV6]:PORTS, tcp://HOST:PORTS,\n"
    "  /dev/tcp/HOST/PORTS, unix:PATH, unix://PATH\n"
    "  PORTS: a number, a service name, a range LO-HI, or a comma list of those.\n"
    "  SECS: seconds (5, 0.25), or with a unit (500ms, 30s, 2m, 1h).\n"
    "\n"
    "Options (before the targets):\n";

static const char help_outro[] =
    "  --help, --version\n"
    "\n"
    "Exit status: 0 open, 1 refused, 2 usage error, 3 timeout, 4 unresolved,\n"
    "5 unreachable, 6 mismatch (-E; open with -C), 7 local or proxy error,\n"
    "130 interrupted.  Ping mode (-k): 0 when every target had an open probe,\n"
    "as ping.\n"
    "With -- COMMAND, COMMAND replaces tcpcheck when the run succeeds.\n"
    "On a terminal (stderr), a run that lasts shows one live progress line.\n";

/* ---- the progress line ---- */

/* Where the engine may draw its live progress line (tcpcheck(1), OUTPUT): standard error when
 * it is a terminal that can erase a line (TERM unset or "dumb", as in an editor's shell buffer,
 * cannot); never a pipe or a file.  The engine adds
 * its own rules (not with -q, -j or in ping mode). */
static FILE *progress_terminal(void)
{
    const char *term = getenv("TERM");
    if (!isatty(STDERR_FILENO) || !term || !*term || strcmp(term, "dumb") == 0)
        return NULL;
    return stderr;
}

/* ---- signals ---- */

/* The signals that stop a run (tcpcheck(1), STATES AND EXIT STATUS: 128 + signal). */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

/* Which of them this process catches: those not ignored when it started. */
struct caught {
    bool signal[NSTOP];
};

static bool ignored_at_start(int sig)
{
    struct sigaction old;
    return sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN;
}

/* Catch every stop signal that is not ignored.  They are blocked except while the engine waits
 * in ppoll() (wait_mask), so one arriving between two checks of the flag is not slept through.
 * An ignored one is left alone: neither caught nor unblocked. */
static void catch_signals(struct caught *caught, sigset_t *wait_mask)
{
    struct sigaction sa;
    sigset_t block;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&block);
    for (size_t i = 0; i < NSTOP; i++) {
        caught->signal[i] = !ignored_at_start(stop_signals[i]);
        if (!caught->signal[i])
            continue;
        sigaction(stop_signals[i], &sa, NULL);
        sigaddset(&block, stop_signals[i]);
    }
    sigprocmask(SIG_BLOCK, &block, wait_mask);
    for (size_t i = 0; i < NSTOP; i++)
        if (caught->signal[i])
            sigdelset(wait_mask, stop_signals[i]);
}

/* Replace the process with COMMAND; returns only on failure, with the shell's statuses.
 * COMMAND gets the signal dispositions tcpcheck was started with: what was caught here goes
 * back to the default, what was ignored stays ignored (exec keeps SIG_IGN). */
static int exec_command(char **command, const struct caught *caught, const sigset_t *start_mask)
{
    for (size_t i = 0; i < NSTOP; i++)
        if (caught->signal[i])
            signal(stop_signals[i], SIG_DFL);
    sigprocmask(SIG_SETMASK, start_mask, NULL);
    execvp(command[0], command);
    fprintf(stderr, "tcpcheck: %s: %s\n", command[0], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}

static int finish_output(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tcpcheck: write error: %s\n", strerror(errno));
        return status ? status : TC_EXIT_ERROR;
    }
    return status;
}

static int print_help(void)
{
    char *synopsis = tc_help_synopsis(TC_FORM_PROGRAM, "Usage: ", 80);
    char *options = tc_help_options(TC_FORM_PROGRAM);
    int status = TC_EXIT_ERROR;
    if (synopsis && options) {
        printf("%s\n%s%s%s", synopsis, help_intro, options, help_outro);
        status = finish_output(0);
    } else {
        fprintf(stderr, "tcpcheck: out of memory\n");
    }
    free(synopsis);
    free(options);
    return status;
}

static int parse_failed(const struct tc_parse_result *res, int argc, char **argv)
{
    bool healthcheck = tc_args_want_healthcheck(argc, argv);

    if (res->outcome == TC_PARSE_HELP)
        return print_help();
    if (res->outcome == TC_PARSE_VERSION) {
        fputs("tcpcheck " TC_VERSION "\n", stdout);
        return finish_output(0);
    }
    fprintf(stderr, "tcpcheck: %s\n", res->message);
    return healthcheck ? 1 : TC_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    struct tc_request req;
    struct tc_parse_result res;
    struct tc_sink sink;
    struct caught caught;
    sigset_t wait_mask, start_mask;
    int status;

    tc_parse_args(argc - 1, argv + 1, TC_FORM_PROGRAM, &req, &res);
    if (res.outcome != TC_PARSE_OK)
        return parse_failed(&res, argc - 1, argv + 1);
    /* -E matches characters of the user's locale, as bash's [[ == ]] does; only LC_CTYPE, so
     * messages and numbers stay as the contract writes them.  Nothing else reads the locale
     * (the escaper works on bytes), and loading it costs a dozen system calls: only for -E. */
    if (req.opt.expect != NULL)
        setlocale(LC_CTYPE, "");
    sigprocmask(SIG_SETMASK, NULL, &start_mask);
    catch_signals(&caught, &wait_mask);
    memset(&sink, 0, sizeof sink);
    sink.say = say_line;
    sink.tell = tell_line;
    sink.interrupted = check_interrupted;
    sink.wait_mask = &wait_mask;
    sink.out = stdout;
    sink.progress = progress_terminal();
    status = finish_output(tc_run(&req, &sink));
    status = tc_apply_healthcheck(&req.opt, status);
    if (status == 0 && req.command != NULL)
        status = exec_command(req.command, &caught, &start_mask);
    tc_request_free(&req);
    return status;
}

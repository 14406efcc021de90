/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: the standalone program, a thin shell around the engine.
 *
 * Parses, probes, prints, and on success replaces itself with `-- COMMAND` (execvp), as
 * wait-for-it does, so an exec-form ENTRYPOINT needs no shell.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
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
    "130 interrupted.\n"
    "With -- COMMAND, COMMAND replaces tcpcheck when the run succeeds.\n";

/* Signals that stop a run are blocked except while the engine waits in ppoll(), so one
 * arriving between two checks of the flag is not slept through. */
static void catch_signals(sigset_t *wait_mask)
{
    static const int stoppers[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    sigset_t block;
    size_t i;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&block);
    for (i = 0; i < sizeof stoppers / sizeof stoppers[0]; i++) {
        sigaction(stoppers[i], &sa, NULL);
        sigaddset(&block, stoppers[i]);
    }
    sigprocmask(SIG_BLOCK, &block, wait_mask);
    for (i = 0; i < sizeof stoppers / sizeof stoppers[0]; i++)
        sigdelset(wait_mask, stoppers[i]);
}

/* Replace the process with COMMAND; returns only on failure, with the shell's statuses. */
static int exec_command(char **command)
{
    sigset_t none;

    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
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
    sigset_t wait_mask;
    int status;

    tc_parse_args(argc - 1, argv + 1, TC_FORM_PROGRAM, &req, &res);
    if (res.outcome != TC_PARSE_OK)
        return parse_failed(&res, argc - 1, argv + 1);
    catch_signals(&wait_mask);
    memset(&sink, 0, sizeof sink);
    sink.say = say_line;
    sink.tell = tell_line;
    sink.interrupted = check_interrupted;
    sink.wait_mask = &wait_mask;
    sink.out = stdout;
    status = finish_output(tc_run(&req, &sink));
    status = tc_apply_healthcheck(&req.opt, status);
    if (status == 0 && req.command != NULL)
        status = exec_command(req.command);
    tc_request_free(&req);
    return status;
}

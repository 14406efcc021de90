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

static const char usage_text[] =
    "Usage: tcpcheck [-46aHnqvz] [-w SECS] [-W SECS] [-i SECS] [-m N] [-c N] [-s ADDR]\n"
    "                [-S DATA] [-E PATTERN] [-j] TARGET... [-- COMMAND [ARG...]]\n"
    "Can a TCP connection to each TARGET be made right now, and if not, why not?\n"
    "\n"
    "Targets: HOST PORTS..., HOST:PORTS, [IPV6]:PORTS, tcp://HOST:PORTS, /dev/tcp/HOST/PORTS\n"
    "  PORTS: a number, a service name, a range LO-HI, or a comma list of those.\n"
    "\n"
    "Options (before the targets):\n"
    "  -w SECS     deadline of one attempt, name resolution included (default 5)\n"
    "  -W SECS     wait mode: retry targets that are not open until they open or SECS pass\n"
    "  -i SECS     pause between attempts in wait mode, from attempt start (default 0.1)\n"
    "  -a          success when any target is open (the same as -m 1)\n"
    "  -m N        success when at least N targets are open\n"
    "  -4, -6      IPv4 or IPv6 addresses only\n"
    "  -n          numeric hosts only, no name resolution\n"
    "  -s ADDR     bind this local source address\n"
    "  -c N        at most N connections in flight\n"
    "  -S DATA     send DATA after connecting (escapes \\r \\n \\t \\\\ \\0 \\xHH)\n"
    "  -E PATTERN  read the reply until it matches the shell glob PATTERN (4096 bytes at most)\n"
    "  -H          healthcheck statuses: every failure exits 1\n"
    "  -q          print nothing about targets\n"
    "  -v          also report successes (-vv: address and connect time)\n"
    "  -z          accepted and ignored, as in nc -z\n"
    "  -j          one JSON object per target on stdout\n"
    "  --help, --version\n"
    "\n"
    "Exit status: 0 open, 1 refused, 2 usage error, 3 timeout, 4 unresolved,\n"
    "5 unreachable, 6 mismatch (-E), 7 local error, 130 interrupted.\n"
    "With -- COMMAND, COMMAND replaces tcpcheck once every target is open.\n";

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

static int parse_failed(const struct tc_parse_result *res, int argc, char **argv)
{
    bool healthcheck = tc_args_want_healthcheck(argc, argv);

    if (res->outcome == TC_PARSE_HELP) {
        fputs(usage_text, stdout);
        return finish_output(0);
    }
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

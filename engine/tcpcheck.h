/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tcpcheck.h: the engine's interface, shared by the program, the bash builtin and the tests.
 *
 * The engine knows nothing of bash: it parses a command line into a request (args.c), probes
 * the request's targets (run.c, probe.c, resolve.c) and describes every final result through
 * callbacks (report.c formats them).  It has no global state, so a second call in the same
 * process starts from scratch.
 */
#ifndef TCPCHECK_H
#define TCPCHECK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

/* The release: debian/changelog's top entry, passed by the Makefile as -DTC_VERSION so that
 * --version, the package and the release files carry one version from one place. */
#ifndef TC_VERSION
#error "TC_VERSION comes from the build: make passes -DTC_VERSION from debian/changelog"
#endif

/* Exit statuses of the contract (tcpcheck(1), STATES AND EXIT STATUS). */
enum {
    TC_EXIT_OPEN = 0,
    TC_EXIT_REFUSED = 1,
    TC_EXIT_USAGE = 2,
    TC_EXIT_TIMEOUT = 3,
    TC_EXIT_UNRESOLVED = 4,
    TC_EXIT_UNREACHABLE = 5,
    TC_EXIT_MISMATCH = 6,
    TC_EXIT_ERROR = 7,
    TC_EXIT_INTERRUPTED = 130,
};

/* The state of one target; tc_state_word() and tc_state_status() map it. */
enum tc_state {
    TC_OPEN,
    TC_REFUSED,
    TC_TIMEOUT,
    TC_UNRESOLVED,
    TC_UNREACHABLE,
    TC_MISMATCH,
    TC_ERROR,
};

/* Durations are microseconds on the monotonic clock. */
typedef int64_t tc_usec;

/* A duration as the user wrote it: messages print the text, the engine uses the value.
 * tcpcheck(1), OPTIONS, "Times": a bare number is seconds ("5", "0.25"); a unit (ms, s, m, h)
 * is kept in the text ("500ms"), so a message says "after 5 s" or "after 500ms". */
struct tc_seconds {
    tc_usec usec;
    char text[24];
};

/* How a message writes a tc_seconds text: "5 s", "0.25 s" for a bare number, "500ms", "2m"
 * as written with a unit.  TC_SECONDS_PHRASE_MAX bytes always suffice. */
#define TC_SECONDS_PHRASE_MAX (sizeof(((struct tc_seconds *)0)->text) + 2)
void tc_seconds_phrase(char *out, size_t size, const char *text);

/* One port word after parsing: an inclusive range (a single port has lo == hi). */
struct tc_port_range {
    uint16_t lo, hi;
};

/* A host, shared by every target word that names it (so it is looked up once per attempt). */
struct tc_host {
    char *name;       /* as written, without brackets: "db", "::1", "fe80::1%eth0"; for a
                         unix: target the socket's path */
    bool numeric;     /* an IPv4/IPv6 literal: never touches the resolver */
    bool unix_socket; /* a unix:PATH target: its one "port" is 0 */
};

/* One target word after parsing: a host and the ports it names.  Expanding words into
 * HOST:PORT targets is lazy (tc_target_iter), so `10.0.0.1 1-65535` costs one word. */
struct tc_target_word {
    size_t host; /* index into tc_request.hosts */
    struct tc_port_range *ranges;
    size_t nranges;
};

/* Which command parses the line: they share the grammar but not every option. */
enum tc_form {
    TC_FORM_PROGRAM, /* accepts `-- COMMAND`, rejects -V */
    TC_FORM_BUILTIN, /* accepts -V, rejects `-- COMMAND` */
};

/* -x PROXY (tcpcheck(1), PROXIES). */
enum tc_proxy_kind {
    TC_PROXY_SOCKS5,  /* socks5://: target names resolved here, the address sent */
    TC_PROXY_SOCKS5H, /* socks5h://: the name sent to the proxy */
    TC_PROXY_HTTP,    /* http://: HTTP CONNECT */
};

/* -x PROXY after parsing: scheme, host and port; credentials percent-decoded. */
struct tc_proxy {
    enum tc_proxy_kind kind;
    struct tc_host host; /* the proxy's host as written, without brackets: a name or literal */
    uint16_t port;
    char *user, *password; /* USER:PASS@, or both NULL; never printed.  user: 1-255 bytes;
                              password: 1-255 bytes for SOCKS5 (RFC 1929), may be "" for http */
};

/* What the options ask for (tcpcheck(1), OPTIONS).  The parser has checked every rule that
 * needs no network: bounds, options that exclude each other, families that cannot meet. */
struct tc_options {
    int family;                     /* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6); with a socks5h://
                                       or http:// proxy it only chooses the proxy's addresses */
    bool numeric_only;              /* -n: no name is resolved here (target names may still go to a
                                       socks5h:// or http:// proxy) */
    struct tc_seconds limit;        /* -w: one attempt at one target; default 5 s; > 0 */
    bool wait_mode;                 /* -W given */
    struct tc_seconds wait;         /* -W: usec 0 = no time limit (-W 0, any unit) */
    struct tc_seconds interval;     /* -i: default 0.1 s; 1 s in ping mode unless -i is given */
    bool ping;                      /* -k given (never with -W, -C or `-- COMMAND`) */
    uint64_t ping_count;            /* -k COUNT; 0 = until interrupted */
    bool expect_closed;             /* -C: a refused target passes (never with -S, -E or -k) */
    bool reset_close;               /* -R: close with a reset (SO_LINGER 0) instead of FIN */
    struct tc_proxy *proxy;         /* -x, or NULL (never with a unix: target) */
    size_t quorum;                  /* -m / -a; 0 = every target must pass; <= ntargets */
    size_t max_inflight;            /* -c; 0 = choose from RLIMIT_NOFILE */
    bool has_source;                /* -s (never with a unix: target) */
    struct sockaddr_storage source; /* -s: its family meets every literal target's (or the
                                       proxy's), and a scope names an existing interface */
    socklen_t source_len;
    unsigned char *send_data; /* -S, escapes decoded; may hold NUL bytes */
    size_t send_len;
    char *expect;     /* -E glob, or NULL */
    bool healthcheck; /* -H */
    bool quiet;       /* -q */
    int verbose;      /* -v count */
    bool json;        /* -j */
    char *var_name;   /* -V (builtin only): an identifier */
};

/* Everything one command line asks for.  Owns every pointer in it: tc_request_free(). */
struct tc_request {
    struct tc_options opt;
    struct tc_host *hosts;
    size_t nhosts;
    struct tc_target_word *words;
    size_t nwords;
    uint64_t ntargets; /* HOST:PORT pairs after lists and ranges are expanded */
    char **command;    /* argv after `--` following a target (program), or NULL */
};

/* What tc_parse_args() found. */
enum tc_parse_outcome {
    TC_PARSE_OK,      /* request filled: probe it */
    TC_PARSE_HELP,    /* --help was asked for */
    TC_PARSE_VERSION, /* --version was asked for */
    TC_PARSE_USAGE,   /* bad input: message holds the one line to print */
};

struct tc_parse_result {
    enum tc_parse_outcome outcome;
    char message[512]; /* for TC_PARSE_USAGE, without the "tcpcheck: " prefix */
};

/* Parse argv[0..argc) (the words after the command name).  On TC_PARSE_OK the request owns
 * what it holds; otherwise it is left empty.  Never touches the network. */
void tc_parse_args(int argc, char **argv, enum tc_form form, struct tc_request *req,
                   struct tc_parse_result *res);
void tc_request_free(struct tc_request *req);

/* The option table as help text (tcpcheck(1), SYNOPSIS and OPTIONS), malloc'd; NULL when out
 * of memory.  tc_help_synopsis: `lead` ("Usage: ") then "tcpcheck [-46aCHnqRvz] [-w SECS] ...
 * TARGET..." with the options of that form, broken before column `width` (0: one line) with
 * later lines under the first option.  tc_help_options: "  -w SECS    deadline ...\n", one or
 * more lines per option of that form. */
char *tc_help_synopsis(enum tc_form form, const char *lead, size_t width);
char *tc_help_options(enum tc_form form);

/* True when an option word before the first target (or `--`) holds the flag H, as in `-H`
 * or `-qH`; `-wH` is -w with the argument "H" and does not count.  Never fails.  For callers:
 * when parsing fails, -H must still turn the usage error into status 1. */
bool tc_args_want_healthcheck(int argc, char **argv);

/* Walks the HOST:PORT pairs of a request in argument order without storing them. */
struct tc_target_iter {
    size_t word, range;
    uint32_t port; /* next port inside the current range */
};
void tc_target_iter_init(struct tc_target_iter *it);
/* Next pair: fills *word (index into req->words) and *port; false when done. */
bool tc_target_iter_next(const struct tc_request *req, struct tc_target_iter *it, size_t *word,
                         uint16_t *port);

/* Why a connected target is a mismatch. */
enum tc_mismatch_reason {
    TC_MISMATCH_NONE,
    TC_MISMATCH_DEADLINE,      /* no matching reply before the deadline */
    TC_MISMATCH_CLOSED,        /* closed by peer */
    TC_MISMATCH_RESET,         /* reset by peer */
    TC_MISMATCH_FULL,          /* 4096 bytes read, no match */
    TC_MISMATCH_SEND_DEADLINE, /* -S could not be handed over before the deadline */
    TC_MISMATCH_EXPECT_CLOSED, /* -C: connected, which -C did not expect */
};

/* Why a target is unresolved. */
enum tc_resolve_failure {
    TC_RESOLVE_NONE,
    TC_RESOLVE_NONAME,    /* no such name: "Name or service not known" */
    TC_RESOLVE_NOADDRESS, /* the name exists but has no address of the asked family */
    TC_RESOLVE_TIMEOUT,   /* the resolver did not answer before the deadline */
    TC_RESOLVE_REFUSED,   /* every nameserver refused: "Temporary failure in name resolution" */
    TC_RESOLVE_OTHER,     /* server failure, refused, ...: detail in resolve_text */
};

/* Why a target has no result of its own: the run stopped first (tcpcheck(1), WAIT MODE).  Its
 * state is then timeout; `attempts` tells a target never attempted (0) from one whose first
 * attempt was cut short (1). */
enum tc_stop_reason {
    TC_STOP_NONE,
    TC_STOP_WAIT_ENDED, /* -W passed before the target was attempted */
    TC_STOP_QUORUM,     /* -a/-m was met before the target had an answer */
};

/* What a proxy (-x) said or did when it, not the target, decided the attempt's outcome
 * (tcpcheck(1), PROXIES).  Every reason but TC_PROXY_ANSWER means the target was not tested:
 * the state is then `error`. */
enum tc_proxy_reason {
    TC_PROXY_NONE,       /* no proxy, or the tunnel came up */
    TC_PROXY_ANSWER,     /* the proxy's answer about the target (SOCKS5 reply 2-6, an HTTP
                            status, a SOCKS5 request unanswered at the deadline): the state is
                            the one it means (refused, unreachable, timeout) */
    TC_PROXY_UNRESOLVED, /* the proxy's name: resolve_failure says why */
    TC_PROXY_CONNECT,    /* no connection to the proxy: sys_errno (and error_context) say why;
                            sys_errno 0: timed out */
    TC_PROXY_SILENT,     /* connected, but no (complete) reply before the deadline */
    TC_PROXY_CLOSED,     /* it closed the connection mid-handshake (sys_errno ECONNRESET: reset) */
    TC_PROXY_GARBAGE,    /* it speaks something else: proxy_text holds the first bytes */
    TC_PROXY_NO_METHOD,  /* SOCKS5: none of the methods offered is acceptable */
    TC_PROXY_AUTH,       /* the credentials were refused (RFC 1929 status, HTTP 401/407) */
    TC_PROXY_FAILURE,    /* it answered with a failure of its own: SOCKS5 reply 1, 7, 8, ...,
                            an HTTP status that says nothing of the target */
};

#define TC_REPLY_MAX 4096

/* The final (or, in wait mode, the latest) result of one HOST:PORT target. */
struct tc_result {
    const char *host; /* as written, without brackets */
    uint16_t port;
    bool host_numeric;
    enum tc_state state;
    int sys_errno;             /* refused/unreachable/error: the errno behind the state, else 0 */
    const char *error_context; /* TC_ERROR: what failed ("socket", "bind 10.0.0.1"), else NULL */
    enum tc_resolve_failure resolve_failure;
    const char *resolve_text; /* TC_RESOLVE_OTHER: the resolver's words */
    enum tc_mismatch_reason mismatch;
    bool send_failed; /* mismatch: -S could not be handed over (the reason says why) */
    enum tc_stop_reason stopped;
    bool has_address; /* an address was tried: the one that connected, else the last tried;
                         through a proxy, the target's own address when it is known here (a
                         socks5:// lookup, a literal); for a unix: target its sockaddr_un */
    struct sockaddr_storage address;
    tc_usec rtt;       /* connect time of the winning address (through a proxy: until the tunnel was
                          up); < 0 when nothing connected */
    unsigned attempts; /* attempts made at this target (wait mode: > 1) */
    tc_usec elapsed;   /* from the first attempt's start to this result */
    const char *deadline_text;  /* the bound of a timed-out attempt as written (-w, or -W when
                                   that cut it shorter); NULL means -w */
    const unsigned char *reply; /* -E: bytes received, NULs kept, at most TC_REPLY_MAX */
    size_t reply_len;
    bool unix_socket; /* a unix: target: host is the socket's path, port 0, address the path */
    enum tc_proxy_reason proxy;      /* -x: TC_PROXY_NONE unless the proxy decided the outcome */
    int proxy_code;                  /* the SOCKS5 reply, RFC 1929 status or HTTP status; -1 */
    const unsigned char *proxy_text; /* the proxy's HTTP status line, or its first bytes when
                                        it speaks something else (escape on output) */
    size_t proxy_text_len;
};

/* Where the engine sends what it has to say.  Every callback may be NULL. */
struct tc_sink {
    void *ctx;
    /* One line for people (stderr), without the "tcpcheck: " prefix and without newline. */
    void (*say)(void *ctx, const char *line);
    /* A line that is news, not a failure (the -v success lines, nc's words): printed as is,
     * without any prefix.  NULL: given to `say`. */
    void (*tell)(void *ctx, const char *line);
    /* Every final result, in argument order (the builtin's -V collects them). */
    void (*result)(void *ctx, const struct tc_result *r);
    /* Nonzero (128 + signal) once the run must stop at once: Ctrl-C and friends. */
    int (*interrupted)(void *ctx);
    /* The signal mask ppoll() waits with: signals that must wake the loop are unblocked in it.
     * NULL: the current mask. */
    const sigset_t *wait_mask;
    /* A descriptor the loop also waits on for reading, so that `interrupted` is asked as soon
     * as it becomes readable: the builtin's signalfd for the SIGINT it keeps blocked in ping
     * mode.  0: none (a zeroed sink has none). */
    int wake_fd;
    FILE *out;      /* stdout: -j objects and ping mode's lines go here */
    FILE *progress; /* a terminal for the live progress line, or NULL (tcpcheck(1), OUTPUT) */
};

/* Probe every target of a parsed request.  Returns the run's exit status (0, 1, 3-7, or
 * 128 + signal when interrupted) before -H is applied; every socket is closed on return. */
int tc_run(const struct tc_request *req, const struct tc_sink *sink);

/* -H: every non-zero status becomes 1, except an interrupt. */
int tc_apply_healthcheck(const struct tc_options *opt, int status);

const char *tc_state_word(enum tc_state s); /* "open", "refused", ... */
int tc_state_status(enum tc_state s);       /* 0, 1, 3, ... */

#endif

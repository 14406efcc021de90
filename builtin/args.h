/* args.h: the command-line parser's helpers beyond tcpcheck.h.
 *
 * tc_args_want_healthcheck() is for callers: when parsing fails, -H must still turn the usage
 * error into status 1, so the caller needs to know whether -H was among the options.
 * The rest is shared between args.c (options) and targets.c (target words) only.
 */
#ifndef TC_ARGS_H
#define TC_ARGS_H

#include "tcpcheck.h"

/* True when an option word before the first target (or `--`) holds the flag H, as in `-H`
 * or `-qH`; `-wH` is -w with the argument "H" and does not count.  Never fails. */
bool tc_args_want_healthcheck(int argc, char **argv);

/* ---- internal to the parser (args.c, targets.c) ---- */

/* Record a usage error in res (one line, no "tcpcheck: " prefix); always returns false so a
 * caller can `return tc_usage(...)`. */
bool tc_usage(struct tc_parse_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A user's word made fit for a one-line message: shown as is when it is plain, otherwise
 * single-quoted with control and non-ASCII bytes escaped; long words are shortened. */
struct tc_shown {
    char text[128];
};
const char *tc_show(struct tc_shown *s, const char *word);

/* Parse the target words argv[*pos..argc) into req (hosts, words, ntargets) and, in the
 * program form, the COMMAND after a `--`.  Advances *pos to argc on success. */
bool tc_parse_targets(int argc, char **argv, int *pos, enum tc_form form, struct tc_request *req,
                      struct tc_parse_result *res);

/* Validate a host as written (no brackets): IPv4 dotted quad, IPv6 with optional %scope,
 * or a DNS name.  Sets *numeric and *family (AF_INET, AF_INET6 or AF_UNSPEC for names). */
bool tc_check_host(const char *host, bool *numeric, int *family);

#endif

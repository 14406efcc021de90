/* SPDX-License-Identifier: GPL-3.0-or-later */
/* args.c: the command line's options (tcpcheck(1), OPTIONS).
 *
 * A hand-written loop instead of getopt: the bash builtin cannot share libc's getopt state,
 * and the builtin and the program must parse every line identically.  Options come before
 * the first target; targets.c parses the rest.  Nothing here touches the network.
 */
#include "targets.h"
#include "usage.h"

#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FLAG_LETTERS "46aHnqvzj"
#define ARG_LETTERS "wWimcsSEV"
#define SECS_MAX_USEC ((tc_usec)86400 * 1000000)
#define SECS_MAX_FRACTION_DIGITS 6

/* What the option loop needs beyond req->opt, for messages and cross-checks. */
struct parse_state {
    struct tc_request *req;
    struct tc_parse_result *res;
    enum tc_form form;
    const char *quorum_word; /* the -m argument as written; NULL when -a set the quorum */
    const char *source_word; /* the -s argument as written */
};

/* ---- numbers ---- */

enum secs_problem { SECS_OK, SECS_SYNTAX, SECS_FRACTION, SECS_RANGE };

/* SECS: digits with an optional fraction of 1-6 digits.  `.5` and `5.` are accepted (as
 * sleep(1) and strtod accept them); a lone `.`, signs, exponents, hex and spaces are not.
 * The whole part stops accumulating once it is past the limit, so no length overflows. */
static enum secs_problem seconds_value(const char *text, tc_usec *usec)
{
    int64_t whole = 0, fraction = 0;
    size_t nwhole = 0, nfraction = 0;
    bool too_big = false;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++, nwhole++) {
        if (whole > 86400)
            too_big = true;
        else
            whole = whole * 10 + (*p - '0');
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, nfraction++)
            if (nfraction < SECS_MAX_FRACTION_DIGITS)
                fraction = fraction * 10 + (*p - '0');
    if (*p || nwhole + nfraction == 0)
        return SECS_SYNTAX;
    if (nfraction > SECS_MAX_FRACTION_DIGITS)
        return SECS_FRACTION;
    for (size_t i = nfraction; i < SECS_MAX_FRACTION_DIGITS; i++)
        fraction *= 10;
    *usec = whole * 1000000 + fraction;
    return too_big || *usec > SECS_MAX_USEC ? SECS_RANGE : SECS_OK;
}

static bool parse_seconds(struct parse_state *st, char letter, const char *text, bool allow_zero,
                          struct tc_seconds *out)
{
    struct tc_shown shown;
    const char *w = tc_show(&shown, text);
    tc_usec usec = 0;
    switch (seconds_value(text, &usec)) {
    case SECS_SYNTAX:
        return tc_usage(st->res, "-%c %s: invalid number of seconds", letter, w);
    case SECS_FRACTION:
        return tc_usage(st->res, "-%c %s: at most %d fraction digits", letter, w,
                        SECS_MAX_FRACTION_DIGITS);
    case SECS_RANGE:
        return tc_usage(st->res, "-%c %s: must be at most 86400", letter, w);
    case SECS_OK:
        break;
    }
    if (usec == 0 && !allow_zero)
        return tc_usage(st->res, "-%c %s: must be greater than 0", letter, w);
    /* Messages print the time as written; a longer spelling (leading zeros) cannot be kept. */
    if (strlen(text) >= sizeof out->text)
        return tc_usage(st->res, "-%c %s: invalid number of seconds", letter, w);
    out->usec = usec;
    strcpy(out->text, text);
    return true;
}

/* -m N, -c N: a whole number >= 1, no sign; too many digits is an error, never a wrap. */
static bool parse_count(struct parse_state *st, char letter, const char *text, size_t *out)
{
    struct tc_shown shown;
    const char *w = tc_show(&shown, text);
    size_t value = 0;
    if (!*text)
        return tc_usage(st->res, "-%c %s: not a whole number", letter, w);
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return tc_usage(st->res, "-%c %s: not a whole number", letter, w);
        size_t digit = (size_t)(*p - '0');
        if (value > (SIZE_MAX - digit) / 10)
            return tc_usage(st->res, "-%c %s: number too large", letter, w);
        value = value * 10 + digit;
    }
    if (value == 0)
        return tc_usage(st->res, "-%c %s: must be at least 1", letter, w);
    *out = value;
    return true;
}

/* ---- options with arguments ---- */

static const char *family_name(int family)
{
    return family == AF_INET ? "IPv4" : "IPv6";
}

/* -s with -4/-6 of the other family can never bind: say so now, whichever came first. */
static bool check_source_family(struct parse_state *st)
{
    struct tc_options *opt = &st->req->opt;
    if (!opt->has_source || opt->family == AF_UNSPEC ||
        opt->source.ss_family == (sa_family_t)opt->family)
        return true;
    struct tc_shown shown;
    return tc_usage(st->res, "-s %s: an %s address, but -%c asks for %s",
                    tc_show(&shown, st->source_word), family_name(opt->source.ss_family),
                    opt->family == AF_INET ? '4' : '6', family_name(opt->family));
}

static bool parse_source(struct parse_state *st, const char *text)
{
    struct tc_options *opt = &st->req->opt;
    struct tc_shown shown;
    bool numeric = false;
    int family = AF_UNSPEC;
    /* Our own check first: getaddrinfo would also take inet_aton forms such as "1.2.3". */
    if (!tc_check_host(text, &numeric, &family) || !numeric)
        return tc_usage(st->res, "-s %s: not a numeric address", tc_show(&shown, text));
    struct addrinfo hints = {
        .ai_flags = AI_NUMERICHOST, .ai_family = family, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(text, NULL, &hints, &ai);
    if (rc != 0 || ai->ai_addrlen > sizeof opt->source) {
        if (ai)
            freeaddrinfo(ai);
        return tc_usage(st->res, "-s %s: not a usable address (%s)", tc_show(&shown, text),
                        rc ? gai_strerror(rc) : "too long");
    }
    memset(&opt->source, 0, sizeof opt->source);
    memcpy(&opt->source, ai->ai_addr, ai->ai_addrlen); /* port 0: the kernel picks it */
    opt->source_len = ai->ai_addrlen;
    opt->has_source = true;
    freeaddrinfo(ai);
    st->source_word = text;
    return check_source_family(st);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes one escape after its backslash; returns the bytes consumed after it, or 0. */
static size_t decode_escape(const char *p, unsigned char *out)
{
    static const char simple[] = "r\rn\nt\t\\\\0";
    const char *found = *p ? strchr(simple, *p) : NULL;
    if (found && (found - simple) % 2 == 0) {
        *out = (unsigned char)found[1]; /* "0" pairs with the string's own NUL */
        return 1;
    }
    if (*p == 'x' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0) {
        *out = (unsigned char)(hex_value(p[1]) * 16 + hex_value(p[2]));
        return 3;
    }
    return 0;
}

static bool bad_escape(struct parse_state *st, const char *text, const char *at)
{
    struct tc_shown word, escape;
    const char *w = tc_show(&word, text);
    if (!at[1])
        return tc_usage(st->res, "-S %s: lone backslash at the end", w);
    if (at[1] == 'x')
        return tc_usage(st->res, "-S %s: \\x needs two hex digits", w);
    char seq[3] = {'\\', at[1], '\0'};
    return tc_usage(st->res, "-S %s: invalid escape %s", w, tc_show(&escape, seq));
}

static bool parse_send_data(struct parse_state *st, const char *text)
{
    struct tc_options *opt = &st->req->opt;
    unsigned char *data = malloc(strlen(text) + 1); /* never shorter than decoded; never 0 */
    if (!data)
        return tc_usage(st->res, "-S: out of memory");
    size_t len = 0;
    for (const char *p = text; *p; p++) {
        size_t used = *p == '\\' ? decode_escape(p + 1, &data[len]) : 0;
        if (*p == '\\' && used == 0) {
            free(data);
            return bad_escape(st, text, p);
        }
        if (*p != '\\')
            data[len] = (unsigned char)*p;
        len++;
        p += used;
    }
    free(opt->send_data); /* a repeated -S replaces the earlier one */
    opt->send_data = data;
    opt->send_len = len;
    return true;
}

static bool is_identifier(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

/* Replaces *slot with a copy of text (a repeated -E or -V replaces the earlier one). */
static bool store_copy(struct parse_state *st, char letter, char **slot, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        return tc_usage(st->res, "-%c: out of memory", letter);
    free(*slot);
    *slot = copy;
    return true;
}

static bool parse_var_name(struct parse_state *st, const char *text)
{
    struct tc_shown shown;
    if (st->form == TC_FORM_PROGRAM)
        return tc_usage(st->res, "-V is only for the bash builtin");
    if (!is_identifier(text))
        return tc_usage(st->res, "-V %s: not a valid identifier", tc_show(&shown, text));
    return store_copy(st, 'V', &st->req->opt.var_name, text);
}

static bool apply_argument(struct parse_state *st, char letter, const char *arg)
{
    struct tc_options *opt = &st->req->opt;
    switch (letter) {
    case 'w':
        return parse_seconds(st, letter, arg, false, &opt->limit);
    case 'W':
        opt->wait_mode = true;
        return parse_seconds(st, letter, arg, false, &opt->wait);
    case 'i':
        return parse_seconds(st, letter, arg, true, &opt->interval);
    case 'm':
        st->quorum_word = arg; /* -a then -m: the later one wins */
        return parse_count(st, letter, arg, &opt->quorum);
    case 'c':
        return parse_count(st, letter, arg, &opt->max_inflight);
    case 's':
        return parse_source(st, arg);
    case 'S':
        return parse_send_data(st, arg);
    case 'E':
        return store_copy(st, letter, &opt->expect, arg);
    default: /* 'V' */
        return parse_var_name(st, arg);
    }
}

/* ---- flags and option words ---- */

static bool set_family(struct parse_state *st, int family)
{
    struct tc_options *opt = &st->req->opt;
    if (opt->family != AF_UNSPEC && opt->family != family)
        return tc_usage(st->res, "-4 and -6 exclude each other");
    opt->family = family;
    return check_source_family(st);
}

static bool apply_flag(struct parse_state *st, char letter)
{
    struct tc_options *opt = &st->req->opt;
    switch (letter) {
    case '4':
        return set_family(st, AF_INET);
    case '6':
        return set_family(st, AF_INET6);
    case 'a':
        opt->quorum = 1; /* -m then -a: the later one wins */
        st->quorum_word = NULL;
        break;
    case 'H':
        opt->healthcheck = true;
        break;
    case 'n':
        opt->numeric_only = true;
        break;
    case 'q':
        opt->quiet = true;
        break;
    case 'v':
        opt->verbose++;
        break;
    case 'j':
        opt->json = true;
        break;
    default: /* 'z': accepted and ignored, as nc -z */
        break;
    }
    return true;
}

static bool is_flag_letter(char c)
{
    return c && strchr(FLAG_LETTERS, c);
}

static bool is_arg_letter(char c)
{
    return c && strchr(ARG_LETTERS, c);
}

/* One word of clustered letters such as "-zv" or "-w0.5"; *pos is past it already. */
static bool parse_cluster(struct parse_state *st, const char *word, int argc, char **argv, int *pos)
{
    for (const char *p = word + 1; *p; p++) {
        if (is_flag_letter(*p)) {
            if (!apply_flag(st, *p))
                return false;
            continue;
        }
        char name[3] = {'-', *p, '\0'};
        struct tc_shown shown;
        if (!is_arg_letter(*p))
            return tc_usage(st->res, "%s: invalid option", tc_show(&shown, name));
        if (p[1]) /* attached: -w0.5 */
            return apply_argument(st, *p, p + 1);
        if (*pos >= argc) /* the next word is taken even when it starts with '-' */
            return tc_usage(st->res, "%s: option requires an argument", name);
        return apply_argument(st, *p, argv[(*pos)++]);
    }
    return true;
}

/* Option words up to the first target; false when parsing stops (usage, --help, --version). */
static bool parse_options(struct parse_state *st, int argc, char **argv, int *pos)
{
    while (*pos < argc) {
        const char *word = argv[*pos];
        if (word[0] != '-' || word[1] == '\0') /* "-" is no option: let it fail as a host */
            break;
        (*pos)++;
        if (strcmp(word, "--") == 0) /* before any target it only ends the options */
            break;
        if (strcmp(word, "--help") == 0 || strcmp(word, "--version") == 0) {
            st->res->outcome = word[2] == 'h' ? TC_PARSE_HELP : TC_PARSE_VERSION;
            return false;
        }
        struct tc_shown shown;
        if (word[1] == '-')
            return tc_usage(st->res, "%s: invalid option", tc_show(&shown, word));
        if (!parse_cluster(st, word, argc, argv, pos))
            return false;
    }
    return true;
}

static void set_defaults(struct tc_options *opt)
{
    opt->family = AF_UNSPEC;
    opt->limit.usec = 5 * 1000000;
    strcpy(opt->limit.text, "5");
    opt->interval.usec = 100000;
    strcpy(opt->interval.text, "0.1");
}

static bool check_quorum(struct parse_state *st)
{
    const struct tc_request *req = st->req;
    if (!st->quorum_word || req->opt.quorum <= req->ntargets)
        return true;
    struct tc_shown shown;
    return tc_usage(st->res, "-m %s: more than the %llu target%s given",
                    tc_show(&shown, st->quorum_word), (unsigned long long)req->ntargets,
                    req->ntargets == 1 ? "" : "s");
}

void tc_parse_args(int argc, char **argv, enum tc_form form, struct tc_request *req,
                   struct tc_parse_result *res)
{
    memset(req, 0, sizeof *req);
    memset(res, 0, sizeof *res);
    set_defaults(&req->opt);
    struct parse_state st = {.req = req, .res = res, .form = form};
    int pos = 0;
    if (parse_options(&st, argc, argv, &pos) &&
        tc_parse_targets(argc, argv, &pos, form, req, res) && check_quorum(&st)) {
        res->outcome = TC_PARSE_OK;
        return;
    }
    tc_request_free(req); /* usage, --help, --version: the request stays empty */
}

void tc_request_free(struct tc_request *req)
{
    for (size_t i = 0; i < req->nhosts; i++)
        free(req->hosts[i].name);
    free(req->hosts);
    for (size_t i = 0; i < req->nwords; i++)
        free(req->words[i].ranges);
    free(req->words);
    for (size_t i = 0; req->command && req->command[i]; i++)
        free(req->command[i]);
    free(req->command);
    free(req->opt.send_data);
    free(req->opt.expect);
    free(req->opt.var_name);
    memset(req, 0, sizeof *req);
}

/* The -H pre-scan walks the option words exactly as parse_options does, without judging. */
bool tc_args_want_healthcheck(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i];
        if (word[0] != '-' || word[1] == '\0' || strcmp(word, "--") == 0)
            return false;
        if (word[1] == '-') /* --help, --version, or an invalid long option */
            continue;
        for (const char *p = word + 1; *p; p++) {
            if (*p == 'H')
                return true;
            if (is_arg_letter(*p)) {
                if (!p[1]) /* the argument is the next word, whatever it looks like */
                    i++;
                break;
            }
            /* unknown letters: keep looking, -H counts wherever it stands */
        }
    }
    return false;
}

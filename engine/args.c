/* SPDX-License-Identifier: GPL-3.0-or-later */
/* args.c: the command line's options (tcpcheck(1), OPTIONS).
 *
 * A hand-written loop instead of getopt: the bash builtin cannot share libc's getopt state,
 * and the builtin and the program must parse every line identically.  Which letters exist,
 * which take an argument, which form takes them and which exclude each other is the option
 * table's (options.c); what each one means is set_option()'s one switch.  Options come
 * before the first target; targets.c parses the rest.  Nothing here touches the network.
 */
#include "escape.h"
#include "options.h"
#include "proxyurl.h"
#include "targets.h"
#include "times.h"
#include "usage.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

/* What the option loop needs beyond req->opt, for messages and cross-checks. */
struct parse_state {
    struct tc_request *req;
    struct tc_parse_result *res;
    enum tc_form form;
    const char *quorum_word; /* the -m argument as written; NULL when -a set the quorum */
    const char *source_word; /* the -s argument as written */
    bool given[128];         /* option letters seen so far */
};

/* ---- numbers ---- */

/* A bare number or one in "s": its precision is said in fraction digits. */
static bool in_seconds(const char *text)
{
    size_t n = strlen(text);
    return !tc_seconds_has_unit(text) || (n >= 2 && text[n - 1] == 's' && text[n - 2] != 'm');
}

/* "-w 5x: invalid time ...": the option, its argument as written, what is wrong with it. */
static bool bad_argument(struct parse_state *st, char letter, const char *text, const char *problem)
{
    struct tc_shown shown;
    return tc_usage(st->res, "-%c %s: %s", letter, tc_show(&shown, text), problem);
}

static const char *seconds_problem(const char *text, bool allow_zero, tc_usec *usec)
{
    switch (tc_seconds_value(text, usec)) {
    case TC_SECONDS_SYNTAX:
        return "invalid time (seconds, or with a unit: 500ms, 30s, 2m, 1h)";
    case TC_SECONDS_PRECISE:
        return in_seconds(text) ? "at most 6 fraction digits" : "finer than a microsecond";
    case TC_SECONDS_RANGE:
        return "must be at most 86400 s (24h)";
    case TC_SECONDS_OK:
        break;
    }
    if (*usec == 0 && !allow_zero)
        return "must be greater than 0";
    /* Messages print the time as written; a longer spelling (leading zeros) cannot be kept. */
    if (strlen(text) >= sizeof(((struct tc_seconds *)0)->text))
        return "invalid time (too long)";
    return NULL;
}

static bool parse_seconds(struct parse_state *st, char letter, const char *text, bool allow_zero,
                          struct tc_seconds *out)
{
    tc_usec usec = 0;
    const char *problem = seconds_problem(text, allow_zero, &usec);
    if (problem)
        return bad_argument(st, letter, text, problem);
    out->usec = usec;
    strcpy(out->text, text);
    return true;
}

/* -m N, -c N, -k COUNT: a whole number, no sign; too many digits is an error, never a wrap. */
static bool parse_whole(struct parse_state *st, char letter, const char *text, bool allow_zero,
                        uint64_t max, uint64_t *out)
{
    uint64_t value = 0;
    if (!*text)
        return bad_argument(st, letter, text, "not a whole number");
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return bad_argument(st, letter, text, "not a whole number");
        uint64_t digit = (uint64_t)(*p - '0');
        if (value > (max - digit) / 10)
            return bad_argument(st, letter, text, "number too large");
        value = value * 10 + digit;
    }
    if (value == 0 && !allow_zero)
        return bad_argument(st, letter, text, "must be at least 1");
    *out = value;
    return true;
}

static bool parse_size(struct parse_state *st, char letter, const char *text, size_t *out)
{
    uint64_t value;
    if (!parse_whole(st, letter, text, false, SIZE_MAX, &value))
        return false;
    *out = (size_t)value;
    return true;
}

/* ---- addresses and the proxy ---- */

static const char *family_name(int family)
{
    return family == AF_INET ? "IPv4" : "IPv6";
}

static char family_letter(int family)
{
    return family == AF_INET ? '4' : '6';
}

/* The family of the proxy's literal address, or AF_UNSPEC for a name or no proxy. */
static int proxy_family(const struct tc_options *opt)
{
    if (!opt->proxy || !opt->proxy->host.numeric)
        return AF_UNSPEC;
    return strchr(opt->proxy->host.name, ':') ? AF_INET6 : AF_INET;
}

/* -4/-6, -s, -n and -x that can never work together: say so now, whichever came first. */
static bool check_families(struct parse_state *st)
{
    const struct tc_options *opt = &st->req->opt;
    int source = opt->has_source ? opt->source.ss_family : AF_UNSPEC;
    int proxy = proxy_family(opt);
    struct tc_shown a, b;
    if (source != AF_UNSPEC && opt->family != AF_UNSPEC && source != opt->family)
        return tc_usage(st->res, "-s %s: an %s address, but -%c asks for %s",
                        tc_show(&a, st->source_word), family_name(source),
                        family_letter(opt->family), family_name(opt->family));
    if (proxy != AF_UNSPEC && opt->family != AF_UNSPEC && proxy != opt->family)
        return tc_usage(st->res, "-%c: the proxy %s is an %s address", family_letter(opt->family),
                        tc_show(&a, opt->proxy->host.name), family_name(proxy));
    if (proxy != AF_UNSPEC && source != AF_UNSPEC && proxy != source)
        return tc_usage(st->res, "-s %s: an %s address, but the proxy %s is %s",
                        tc_show(&a, st->source_word), family_name(source),
                        tc_show(&b, opt->proxy->host.name), family_name(proxy));
    if (opt->proxy && !opt->proxy->host.numeric && opt->numeric_only)
        return tc_usage(st->res, "-x: the proxy %s is a name, and -n forbids resolving it",
                        tc_show(&a, opt->proxy->host.name));
    return true;
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
    const char *problem = tc_scope_problem(text);
    if (problem)
        return tc_usage(st->res, "-s %s: %s", tc_show(&shown, text), problem);
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
    return true;
}

/* A repeated -x replaces the earlier one. */
static bool parse_proxy(struct parse_state *st, const char *text)
{
    struct tc_proxy *proxy;
    if (!tc_parse_proxy(text, &proxy, st->res))
        return false;
    tc_proxy_free(st->req->opt.proxy);
    st->req->opt.proxy = proxy;
    return true;
}

/* ---- -S, -E, -V ---- */

/* Decodes one escape after its backslash; returns the bytes consumed after it, or 0. */
static size_t decode_escape(const char *p, unsigned char *out)
{
    static const char simple[] = "r\rn\nt\t\\\\0";
    const char *found = *p ? strchr(simple, *p) : NULL;
    if (found && (found - simple) % 2 == 0) {
        *out = (unsigned char)found[1]; /* "0" pairs with the string's own NUL */
        return 1;
    }
    if (*p == 'x' && tc_hex_value(p[1]) >= 0 && tc_hex_value(p[2]) >= 0) {
        *out = (unsigned char)(tc_hex_value(p[1]) * 16 + tc_hex_value(p[2]));
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
    if (!is_identifier(text))
        return tc_usage(st->res, "-V %s: not a valid identifier", tc_show(&shown, text));
    return store_copy(st, 'V', &st->req->opt.var_name, text);
}

/* ---- one option ---- */

/* An option of the other form: the line says which form has it. */
static bool check_form(struct parse_state *st, const struct tc_option_spec *o)
{
    if (tc_option_in_form(o, st->form))
        return true;
    return tc_usage(st->res, "-%c is only for the %s", o->letter,
                    st->form == TC_FORM_PROGRAM ? "bash builtin" : "standalone program");
}

/* The table's exclusions (written both ways there); the line names the two options in the
 * table's order, whichever came first. */
static bool check_excludes(struct parse_state *st, const struct tc_option_spec *o)
{
    for (const char *e = o->excludes; e && *e; e++) {
        if (!st->given[(unsigned char)*e])
            continue;
        const struct tc_option_spec *other = tc_option_find(*e);
        bool other_first = other < o;
        return tc_usage(st->res, "-%c and -%c exclude each other",
                        other_first ? other->letter : o->letter,
                        other_first ? o->letter : other->letter);
    }
    return true;
}

/* What each option does to the request: `arg` is NULL for a flag. */
static bool set_option(struct parse_state *st, char letter, const char *arg)
{
    struct tc_options *opt = &st->req->opt;
    switch (letter) {
    case 'w':
        return parse_seconds(st, letter, arg, false, &opt->limit);
    case 'W':
        opt->wait_mode = true; /* -W 0: no time limit */
        return parse_seconds(st, letter, arg, true, &opt->wait);
    case 'i':
        return parse_seconds(st, letter, arg, true, &opt->interval);
    case 'k':
        opt->ping = true;
        return parse_whole(st, letter, arg, true, UINT64_MAX, &opt->ping_count);
    case 'C':
        opt->expect_closed = true;
        return true;
    case 'R':
        opt->reset_close = true;
        return true;
    case 'a':
        opt->quorum = 1; /* -m then -a: the later one wins */
        st->quorum_word = NULL;
        return true;
    case 'm':
        st->quorum_word = arg; /* -a then -m: the later one wins */
        return parse_size(st, letter, arg, &opt->quorum);
    case 'c':
        return parse_size(st, letter, arg, &opt->max_inflight);
    case '4':
    case '6':
        opt->family = letter == '4' ? AF_INET : AF_INET6;
        return true;
    case 'n':
        opt->numeric_only = true;
        return true;
    case 's':
        return parse_source(st, arg);
    case 'x':
        return parse_proxy(st, arg);
    case 'S':
        return parse_send_data(st, arg);
    case 'E':
        return store_copy(st, letter, &opt->expect, arg);
    case 'H':
        opt->healthcheck = true;
        return true;
    case 'q':
        opt->quiet = true;
        return true;
    case 'v':
        opt->verbose++;
        return true;
    case 'j':
        opt->json = true;
        return true;
    case 'V':
        return parse_var_name(st, arg);
    default: /* 'z': accepted and ignored, as nc -z */
        return true;
    }
}

static bool apply_option(struct parse_state *st, const struct tc_option_spec *o, const char *arg)
{
    if (!check_excludes(st, o) || !set_option(st, o->letter, arg))
        return false;
    st->given[(unsigned char)o->letter] = true;
    return check_families(st);
}

/* ---- option words ---- */

/* One word of clustered letters such as "-zv" or "-w0.5"; *pos is past it already. */
static bool parse_cluster(struct parse_state *st, const char *word, int argc, char **argv, int *pos)
{
    for (const char *p = word + 1; *p; p++) {
        const struct tc_option_spec *o = tc_option_find(*p);
        char name[3] = {'-', *p, '\0'};
        struct tc_shown shown;
        if (!o)
            return tc_usage(st->res, "%s: invalid option; %s", tc_show(&shown, name),
                            tc_help_hint(st->form));
        if (!check_form(st, o)) /* before its argument: `-V` alone is still the builtin's */
            return false;
        if (!o->arg) {
            if (!apply_option(st, o, NULL))
                return false;
            continue;
        }
        if (p[1]) /* attached: -w0.5 */
            return apply_option(st, o, p + 1);
        if (*pos >= argc) /* the next word is taken even when it starts with '-' */
            return tc_usage(st->res, "%s: option requires an argument; %s", name,
                            tc_help_hint(st->form));
        return apply_option(st, o, argv[(*pos)++]);
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
            return tc_usage(st->res, "%s: invalid option; %s", tc_show(&shown, word),
                            tc_help_hint(st->form));
        if (!parse_cluster(st, word, argc, argv, pos))
            return false;
    }
    return true;
}

/* ---- the request ---- */

static void set_defaults(struct tc_options *opt)
{
    opt->family = AF_UNSPEC;
    opt->limit.usec = 5 * 1000000;
    strcpy(opt->limit.text, "5");
    opt->interval.usec = 100000;
    strcpy(opt->interval.text, "0.1");
}

/* Ping mode probes once a second unless -i says otherwise, as ping does. */
static void set_mode_defaults(struct parse_state *st)
{
    struct tc_options *opt = &st->req->opt;
    if (opt->ping && !st->given['i']) {
        opt->interval.usec = 1000000;
        strcpy(opt->interval.text, "1");
    }
}

/* The rules that need the targets too. */
static bool check_request(struct parse_state *st)
{
    const struct tc_request *req = st->req;
    struct tc_shown shown;
    if (req->opt.ping && req->command)
        return tc_usage(st->res, "-k and -- COMMAND exclude each other");
    if (!st->quorum_word || req->opt.quorum <= req->ntargets)
        return true;
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
    if (parse_options(&st, argc, argv, &pos)) {
        set_mode_defaults(&st);
        if (tc_parse_targets(argc, argv, &pos, form, req, res) && check_request(&st)) {
            res->outcome = TC_PARSE_OK;
            return;
        }
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
    tc_proxy_free(req->opt.proxy);
    free(req->opt.send_data);
    free(req->opt.expect);
    free(req->opt.var_name);
    memset(req, 0, sizeof *req);
}

/* The -H pre-scan reads the option words as parse_options does, with the same table, without
 * judging them. */
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
            const struct tc_option_spec *o = tc_option_find(*p);
            if (o && o->arg) {
                if (!p[1]) /* the argument is the next word, whatever it looks like */
                    i++;
                break;
            }
            /* unknown letters: keep looking, -H counts wherever it stands */
        }
    }
    return false;
}

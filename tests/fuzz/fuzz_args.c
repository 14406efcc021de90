/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_args: the command-line parser (args.c, targets.c, times.c, proxyurl.c) against
 * arbitrary words.
 *
 * The input is split into argv words on NUL and newline, then parsed in both forms.  The
 * parser is the first thing every form runs on user input, so whatever comes in it must give
 * either a request whose targets can all be walked and whose options keep every rule of
 * tcpcheck(1), OPTIONS (bounds, options that exclude each other), or exactly one printable
 * line, which never shows the password of a -x PROXY.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpcheck.h"
#include "times.h"

#define MAX_WORDS 256
/* Walking every pair of `1-65535` a few times per input would make the fuzzer crawl; the
 * iterator's arithmetic is checked well within this many steps. */
#define MAX_ITER 5000

static void check_usage_line(const struct tc_parse_result *res)
{
    size_t n = strnlen(res->message, sizeof res->message);
    if (n == 0 || n == sizeof res->message) {
        fprintf(stderr, "usage message empty or unterminated\n");
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)res->message[i];
        if (c < 0x20 || c > 0x7e) {
            fprintf(stderr, "usage message byte 0x%02x at %zu: %s\n", c, i, res->message);
            abort();
        }
    }
}

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "violated: %s\n", #cond);                                              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A time keeps its text, and the text still means the value; its phrase fits. */
static void check_seconds(const struct tc_seconds *t, tc_usec min, bool zero_allowed)
{
    tc_usec again = -1;
    REQUIRE(t->text[0] && strnlen(t->text, sizeof t->text) < sizeof t->text);
    REQUIRE(tc_seconds_value(t->text, &again) == TC_SECONDS_OK && again == t->usec);
    REQUIRE((t->usec >= min || (zero_allowed && t->usec == 0)) && t->usec <= TC_SECONDS_MAX_USEC);
    char phrase[TC_SECONDS_PHRASE_MAX];
    tc_seconds_phrase(phrase, sizeof phrase, t->text);
    REQUIRE(strlen(phrase) < sizeof phrase && strstr(phrase, t->text) == phrase);
}

static void check_options(const struct tc_request *req)
{
    const struct tc_options *opt = &req->opt;
    check_seconds(&opt->limit, 1, false);
    check_seconds(&opt->interval, 0, true);
    if (opt->wait_mode)
        check_seconds(&opt->wait, 0, true);
    else
        REQUIRE(opt->wait.usec == 0 && !opt->wait.text[0]);
    /* tcpcheck(1), OPTIONS: the options that exclude each other */
    REQUIRE(!(opt->expect_closed && (opt->send_data || opt->expect || opt->ping)));
    REQUIRE(!(opt->ping && (opt->wait_mode || req->command)));
    const struct tc_proxy *p = opt->proxy;
    if (p) {
        REQUIRE(p->kind == TC_PROXY_SOCKS5 || p->kind == TC_PROXY_SOCKS5H ||
                p->kind == TC_PROXY_HTTP);
        REQUIRE(p->host.name && p->host.name[0] && !p->host.unix_socket && p->port != 0);
        REQUIRE(!p->user == !p->password);
        REQUIRE(!p->user || p->user[0]);
        REQUIRE(!(opt->numeric_only && !p->host.numeric));
    }
    for (size_t h = 0; h < req->nhosts; h++)
        REQUIRE(!req->hosts[h].unix_socket ||
                (!opt->has_source && !p && strlen(req->hosts[h].name) <= 107));
}

static void check_request(const struct tc_request *req)
{
    if (req->nwords == 0 || req->ntargets == 0) {
        fprintf(stderr, "OK without targets\n");
        abort();
    }
    uint64_t expected = 0;
    for (size_t w = 0; w < req->nwords; w++) {
        const struct tc_target_word *tw = &req->words[w];
        if (tw->host >= req->nhosts || tw->nranges == 0)
            abort();
        if (req->hosts[tw->host].unix_socket) /* one "port", 0 */
            REQUIRE(tw->nranges == 1 && tw->ranges[0].lo == 0 && tw->ranges[0].hi == 0);
        for (size_t r = 0; r < tw->nranges; r++) {
            if ((tw->ranges[r].lo == 0 && !req->hosts[tw->host].unix_socket) ||
                tw->ranges[r].lo > tw->ranges[r].hi)
                abort();
            expected += (uint64_t)(tw->ranges[r].hi - tw->ranges[r].lo) + 1;
        }
    }
    if (expected != req->ntargets) {
        fprintf(stderr, "ntargets %llu, ranges add up to %llu\n", (unsigned long long)req->ntargets,
                (unsigned long long)expected);
        abort();
    }
    if (req->opt.quorum > req->ntargets)
        abort(); /* -m greater than the number of targets is a usage error */
    for (size_t h = 0; h < req->nhosts; h++)
        if (req->hosts[h].name == NULL || req->hosts[h].name[0] == '\0')
            abort();

    struct tc_target_iter it;
    tc_target_iter_init(&it);
    size_t word, last_word = 0;
    uint16_t port;
    uint64_t steps = 0;
    while (steps < MAX_ITER && tc_target_iter_next(req, &it, &word, &port)) {
        /* Argument order: the word index never goes back, ports are 0 only for unix: */
        if (word >= req->nwords || word < last_word ||
            (port == 0) != req->hosts[req->words[word].host].unix_socket)
            abort();
        last_word = word;
        steps++;
    }
    if (steps < MAX_ITER && steps != req->ntargets) {
        fprintf(stderr, "iterated %llu pairs, ntargets %llu\n", (unsigned long long)steps,
                (unsigned long long)req->ntargets);
        abort();
    }
    check_options(req);
}

/* memmem, which POSIX lacks. */
static bool contains_n(const char *hay, size_t hay_len, const char *needle, size_t len)
{
    for (size_t i = 0; len <= hay_len && i <= hay_len - len; i++)
        if (memcmp(hay + i, needle, len) == 0)
            return true;
    return false;
}

static bool contains(const char *hay, const char *needle, size_t len)
{
    return contains_n(hay, strlen(hay), needle, len);
}

/* The password's place in a -x URL given as the first option ("-x URL" or "-xURL"): between
 * the first ':' after "://" and the last '@'.  *word is the argv index; NULL when none. */
static char *password_span(int argc, char **argv, int *word, size_t *len)
{
    *word = argc >= 2 && strcmp(argv[0], "-x") == 0 ? 1 : 0;
    char *url = argc >= 1 && strncmp(argv[0], "-x", 2) == 0 ? argv[*word] : NULL;
    char *scheme_end = url ? strstr(url, "://") : NULL;
    char *at = url ? strrchr(url, '@') : NULL;
    if (!scheme_end || !at || at < scheme_end)
        return NULL;
    char *colon = memchr(scheme_end + 3, ':', (size_t)(at - scheme_end - 3));
    *len = colon ? (size_t)(at - colon - 1) : 0;
    return colon && *len >= 4 ? colon + 1 : NULL;
}

/* tcpcheck(1), PROXIES: a usage line never shows the password.  The password is replaced by a
 * canary of its length (a plain one, so percent-decoding has nothing to say about it) and the
 * line parsed again: the canary must not come out. */
static void check_secret_hidden(int argc, char **argv)
{
    int word;
    size_t len;
    char *span = password_span(argc, argv, &word, &len);
    if (!span)
        return;
    char *saved = strndup(span, len);
    if (!saved)
        return;
    static const char canary[] = "Zq9Xw7";
    for (size_t i = 0; i < len; i++)
        span[i] = canary[i % (sizeof canary - 1)];
    bool elsewhere = false; /* the canary typed elsewhere on the line may show from there */
    for (int i = 0; i < argc && !elsewhere; i++)
        elsewhere = i != word && contains(argv[i], span, len);
    elsewhere = elsewhere || contains(span + len, span, len) ||
                contains_n(argv[word], (size_t)(span - argv[word]), span, len);
    for (int f = 0; f < 2 && !elsewhere; f++) {
        struct tc_request req;
        struct tc_parse_result res;
        tc_parse_args(argc, argv, f ? TC_FORM_BUILTIN : TC_FORM_PROGRAM, &req, &res);
        if (res.outcome == TC_PARSE_USAGE && contains(res.message, span, len)) {
            fprintf(stderr, "usage line shows the proxy's password: %s\n", res.message);
            abort();
        }
        tc_request_free(&req);
    }
    memcpy(span, saved, len);
    free(saved);
}

static void parse_once(int argc, char **argv, enum tc_form form)
{
    struct tc_request req;
    struct tc_parse_result res;
    tc_parse_args(argc, argv, form, &req, &res);
    switch (res.outcome) {
    case TC_PARSE_OK:
        check_request(&req);
        if (form == TC_FORM_BUILTIN && req.command != NULL)
            abort(); /* the builtin rejects `-- COMMAND` */
        if (form == TC_FORM_PROGRAM && req.opt.var_name != NULL)
            abort(); /* the program rejects -V */
        break;
    case TC_PARSE_USAGE:
        check_usage_line(&res);
        /* fall through: the request must be empty, so freeing it again is harmless */
    case TC_PARSE_HELP:
    case TC_PARSE_VERSION:
        if (req.hosts != NULL || req.words != NULL || req.command != NULL || req.opt.proxy)
            abort();
        break;
    }
    tc_request_free(&req);
    (void)tc_args_want_healthcheck(argc, argv);
}

/* libFuzzer calls it; declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One copy holds every word: NUL and newline both end a word. */
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_WORDS + 1];
    int argc = 0;
    char *start = buf;
    for (size_t i = 0; i <= size && argc < MAX_WORDS; i++) {
        if (buf[i] == '\0' || buf[i] == '\n') {
            buf[i] = '\0';
            /* A trailing empty word after the last separator is not a word. */
            if (!(i == size && start == buf + i && argc > 0))
                argv[argc++] = start;
            start = buf + i + 1;
        }
    }
    argv[argc] = NULL;
    parse_once(argc, argv, TC_FORM_PROGRAM);
    parse_once(argc, argv, TC_FORM_BUILTIN);
    check_secret_hidden(argc, argv);
    free(buf);
    return 0;
}

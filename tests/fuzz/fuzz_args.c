/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_args: the command-line parser (args.c, targets.c) against arbitrary words.
 *
 * The input is split into argv words on NUL and newline, then parsed in both forms.  The
 * parser is the first thing every form runs on user input, so whatever comes in it must give
 * either a request whose targets can all be walked, or exactly one printable line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpcheck.h"

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
        for (size_t r = 0; r < tw->nranges; r++) {
            if (tw->ranges[r].lo == 0 || tw->ranges[r].lo > tw->ranges[r].hi)
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
        /* Argument order: the word index never goes back, ports are never 0. */
        if (word >= req->nwords || word < last_word || port == 0)
            abort();
        last_word = word;
        steps++;
    }
    if (steps < MAX_ITER && steps != req->ntargets) {
        fprintf(stderr, "iterated %llu pairs, ntargets %llu\n", (unsigned long long)steps,
                (unsigned long long)req->ntargets);
        abort();
    }
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
        if (req.hosts != NULL || req.words != NULL || req.command != NULL)
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
    free(buf);
    return 0;
}

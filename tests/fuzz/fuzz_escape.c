/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_escape: the -S escapes (`\r \n \t \\ \0 \xHH`) through the real parser.
 *
 * The input (up to its first NUL) is the -S word of `tcpcheck -S WORD 127.0.0.1 1`.  The bytes
 * sent to a peer must be exactly what the escapes say, so a reference decoder written here
 * from the man page's list (OPTIONS, -S) decides both outcomes: a malformed escape is one usage
 * line, a good word decodes to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpcheck.h"

static int hexdigit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Returns the decoded length, or -1 for a malformed escape. */
static long reference_decode(const char *s, unsigned char *out)
{
    long n = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '\\') {
            out[n++] = (unsigned char)s[i];
            continue;
        }
        switch (s[++i]) {
        case 'r':
            out[n++] = '\r';
            break;
        case 'n':
            out[n++] = '\n';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case '\\':
            out[n++] = '\\';
            break;
        case '0':
            out[n++] = '\0';
            break;
        case 'x':
            if (hexdigit((unsigned char)s[i + 1]) < 0 || hexdigit((unsigned char)s[i + 2]) < 0)
                return -1;
            out[n++] = (unsigned char)(hexdigit((unsigned char)s[i + 1]) * 16 +
                                       hexdigit((unsigned char)s[i + 2]));
            i += 2;
            break;
        default: /* includes the lone backslash at the end */
            return -1;
        }
    }
    return n;
}

/* libFuzzer calls it; declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *word = malloc(size + 1);
    unsigned char *want = malloc(size + 1);
    if (word == NULL || want == NULL)
        abort();
    memcpy(word, data, size);
    word[size] = '\0';
    char *argv[] = {"-S", word, "127.0.0.1", "1", NULL};
    long want_len = reference_decode(word, want);

    struct tc_request req;
    struct tc_parse_result res;
    tc_parse_args(4, argv, TC_FORM_PROGRAM, &req, &res);
    if (want_len < 0) {
        if (res.outcome != TC_PARSE_USAGE) {
            fprintf(stderr, "malformed escape accepted\n");
            abort();
        }
        size_t n = strnlen(res.message, sizeof res.message);
        if (n == 0 || n == sizeof res.message)
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)res.message[i] < 0x20 || (unsigned char)res.message[i] > 0x7e)
                abort();
    } else {
        if (res.outcome != TC_PARSE_OK) {
            fprintf(stderr, "good -S word refused: %s\n", res.message);
            abort();
        }
        if (req.opt.send_len != (size_t)want_len ||
            (want_len > 0 && memcmp(req.opt.send_data, want, (size_t)want_len) != 0)) {
            fprintf(stderr, "decoded %zu bytes, expected %ld\n", req.opt.send_len, want_len);
            abort();
        }
    }
    tc_request_free(&req);
    free(word);
    free(want);
    return 0;
}

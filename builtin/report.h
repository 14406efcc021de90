/* report.h: turning results into the words the contract promises (SPEC "Output").
 *
 * Everything here writes into a growable buffer and never prints: the program and the
 * builtin decide where lines go.  Every byte that came from the network or from the user is
 * escaped on the way out, so no peer can drive the terminal and JSON is always valid.
 */
#ifndef TC_REPORT_H
#define TC_REPORT_H

#include "tcpcheck.h"

/* A growable byte buffer, always NUL-terminated once anything was appended.  A failed
 * allocation sets `failed` and makes every later append a no-op. */
struct tc_buf {
    char *data;
    size_t len, cap;
    bool failed;
};

void tc_buf_free(struct tc_buf *b);
void tc_buf_reset(struct tc_buf *b); /* len = 0, keeps the memory */
void tc_buf_append(struct tc_buf *b, const void *p, size_t n);
void tc_buf_puts(struct tc_buf *b, const char *s);
void tc_buf_printf(struct tc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For people: printable ASCII (0x20-0x7e) as is, every other byte as \r \n \t \0 or \xHH. */
void tc_escape_text(struct tc_buf *out, const unsigned char *s, size_t n);

/* A JSON string with its quotes: valid UTF-8 kept, control characters as \u00XX (or \n, \t,
 * ...), `"` and `\` escaped, and each byte of invalid UTF-8 replaced by U+FFFD. */
void tc_json_string(struct tc_buf *out, const unsigned char *s, size_t n);

/* The stderr line for a target that is not open, without "tcpcheck: " and newline. */
void tc_format_failure(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r);

/* The -v line for an open target; `waited` >= 0 in wait mode ("succeeded after 3.2 s"). */
void tc_format_success(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r,
                       tc_usec waited);

/* One -j object, without newline. */
void tc_format_json(struct tc_buf *out, const struct tc_options *opt, const struct tc_result *r);

/* The numeric address of a sockaddr ("10.0.0.5", "::1", "fe80::1%eth0") into buf. */
void tc_format_address(const struct sockaddr_storage *ss, char *buf, size_t size);

#endif

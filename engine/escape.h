/* SPDX-License-Identifier: GPL-3.0-or-later */
/* escape.h: the one escaper.  Bytes from the network or the user leave the engine only through
 * these, so a hostile peer or host name can neither drive a terminal nor break the JSON
 * (tcpcheck(1), OUTPUT: "Escaping").
 */
#ifndef TC_ESCAPE_H
#define TC_ESCAPE_H

#include "buf.h"

/* The longest escape of one byte ("\xHH") and its NUL. */
#define TC_ESCAPED_BYTE_MAX 5

/* One byte for people: printable ASCII (0x20-0x7e) as is, \r \n \t \0 by name, every other
 * byte as \xHH.  Writes a NUL-terminated text into out; returns its length. */
size_t tc_escape_byte(char out[TC_ESCAPED_BYTE_MAX], unsigned char c);

/* n bytes, each escaped as tc_escape_byte() does. */
void tc_escape_text(struct tc_buf *out, const unsigned char *s, size_t n);

/* A NUL-terminated string, escaped the same way. */
void tc_escape_string(struct tc_buf *out, const char *s);

/* A JSON string with its quotes: valid UTF-8 kept, control characters as \u00XX (or \n, \t,
 * ...), `"` and `\` escaped, and each byte of invalid UTF-8 replaced by U+FFFD. */
void tc_json_string(struct tc_buf *out, const unsigned char *s, size_t n);

/* The value of one hexadecimal digit (either case), or -1: the reverse of \xHH, for -S's escapes
 * and a proxy URL's percent-encoded credentials. */
int tc_hex_value(char c);

#endif

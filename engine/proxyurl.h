/* SPDX-License-Identifier: GPL-3.0-or-later */
/* proxyurl.h: the -x PROXY word (tcpcheck(1), PROXIES). */
#ifndef TC_PROXYURL_H
#define TC_PROXYURL_H

#include "tcpcheck.h"

/* Parse `socks5://[USER:PASS@]HOST:PORT` (or socks5h://, http://) into a new *out.  On a usage
 * error *out stays NULL and the message in res quotes at most the proxy's host: never the
 * credentials, never a port word (which may be a password the user forgot the '@' after). */
bool tc_parse_proxy(const char *text, struct tc_proxy **out, struct tc_parse_result *res);

/* Frees the proxy and wipes its password first; NULL is fine. */
void tc_proxy_free(struct tc_proxy *proxy);

/* "socks5://", "socks5h://", "http://" */
const char *tc_proxy_scheme(enum tc_proxy_kind kind);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* addrs.h: one host's addresses, in the order they are tried. */
#ifndef TC_ADDRS_H
#define TC_ADDRS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* A list of addresses to try, in Happy-Eyeballs order (RFC 8305: families interleaved). */
struct tc_addrs {
    size_t n;
    struct sockaddr_storage *v;
};

/* Put addresses in RFC 8305 order: the first address's family first, then alternate. */
void tc_addrs_interleave(struct tc_addrs *a);

#endif

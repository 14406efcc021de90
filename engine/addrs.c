/* SPDX-License-Identifier: GPL-3.0-or-later */
/* addrs.c: the order in which one host's addresses are tried (RFC 8305 section 4).
 *
 * c-ares has already sorted a name's addresses as getaddrinfo does (RFC 6724); this keeps that
 * preference inside each family and interleaves the families.
 */
#include <stdlib.h>
#include <string.h>

#include "addrs.h"

/* ---- interleaving ---- */

/* The first index at or after `from` whose family is (same) or is not (!same) `family`. */
static size_t next_of_family(const struct tc_addrs *a, size_t from, int family, bool same)
{
    while (from < a->n && (a->v[from].ss_family == family) != same)
        from++;
    return from;
}

/* Start with the family of the first address, then alternate, so a broken family costs one
 * connection-attempt delay at most. */
void tc_addrs_interleave(struct tc_addrs *a)
{
    if (a->n < 3)
        return; /* one or two addresses: interleaving changes nothing */
    struct sockaddr_storage *out = malloc(a->n * sizeof *out);
    if (!out)
        return; /* the resolver's order is still a valid order */
    int first = a->v[0].ss_family;
    size_t k = 0, same = 0, other = 0;
    while (k < a->n) {
        same = next_of_family(a, same, first, true);
        if (same < a->n)
            out[k++] = a->v[same++];
        other = next_of_family(a, other, first, false);
        if (other < a->n)
            out[k++] = a->v[other++];
    }
    memcpy(a->v, out, a->n * sizeof *out);
    free(out);
}

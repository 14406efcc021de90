/* SPDX-License-Identifier: GPL-3.0-or-later */
/* states.c: the state table of tcpcheck(1), STATES AND EXIT STATUS: each state's word and
 * status, and what -H makes of a status. */
#include "tcpcheck.h"

int tc_apply_healthcheck(const struct tc_options *opt, int status)
{
    if (opt && opt->healthcheck && status != TC_EXIT_OPEN && status != TC_EXIT_INTERRUPTED)
        return 1;
    return status;
}

const char *tc_state_word(enum tc_state s)
{
    switch (s) {
    case TC_OPEN:
        return "open";
    case TC_REFUSED:
        return "refused";
    case TC_TIMEOUT:
        return "timeout";
    case TC_UNRESOLVED:
        return "unresolved";
    case TC_UNREACHABLE:
        return "unreachable";
    case TC_MISMATCH:
        return "mismatch";
    case TC_ERROR:
        break;
    }
    return "error";
}

int tc_state_status(enum tc_state s)
{
    switch (s) {
    case TC_OPEN:
        return TC_EXIT_OPEN;
    case TC_REFUSED:
        return TC_EXIT_REFUSED;
    case TC_TIMEOUT:
        return TC_EXIT_TIMEOUT;
    case TC_UNRESOLVED:
        return TC_EXIT_UNRESOLVED;
    case TC_UNREACHABLE:
        return TC_EXIT_UNREACHABLE;
    case TC_MISMATCH:
        return TC_EXIT_MISMATCH;
    case TC_ERROR:
        break;
    }
    return TC_EXIT_ERROR;
}

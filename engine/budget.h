/* SPDX-License-Identifier: GPL-3.0-or-later */
/* budget.h: the socket budget a run's probes share (-c, tcpcheck(1), OPTIONS).
 *
 * The budget counts sockets, not targets.  Every attempt in progress owns one *base unit* of it
 * from its start to its end, whether it holds a socket yet or not (a name still resolving, an
 * address waiting for its turn): an attempt that was let in is sure to get a socket.  A second
 * socket for the same attempt (Happy Eyeballs racing the next address) is an *extra unit*, taken
 * only when the budget has one free and no target is waiting to start.  So units = the sum over
 * the attempts in progress of max(1, sockets held).
 *
 * budget.c alone does this arithmetic and writes the counters below; it knows nothing of a
 * probe: the probe (probe.c) says how many sockets the attempt holds, the scheduler (run.c)
 * asks whether one more attempt may start and says when a target is waiting to.
 */
#ifndef TC_BUDGET_H
#define TC_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

#include "tcpcheck.h"

/* What every probe of a run shares: the options and the socket budget. */
struct tc_probe_env {
    const struct tc_options *opt;
    size_t budget;         /* -c; the default is lowered to what the open-file limit allows */
    size_t units;          /* base and extra units in use (see above) */
    size_t sockets;        /* sockets open now */
    bool starting;         /* the scheduler has a target waiting to start: no extra units */
    bool budget_checked;   /* the open-file limit was consulted */
    char bind_context[80]; /* "cannot bind ADDR" for -s failures */
};

void tc_probe_env_init(struct tc_probe_env *env, const struct tc_options *opt);
/* May one more attempt start now (a base unit is free)? */
bool tc_probe_env_has_room(struct tc_probe_env *env);

/* An attempt starts (it takes its base unit), or ends (it gives it back). */
void tc_probe_env_take_unit(struct tc_probe_env *env);
void tc_probe_env_give_unit(struct tc_probe_env *env);

/* May an attempt that holds `held` sockets open one more now?  Its first is its base unit:
 * always. */
bool tc_probe_env_may_open(struct tc_probe_env *env, size_t held);
/* A socket was opened by an attempt that held `held` before it (one beyond the first is an
 * extra unit). */
void tc_probe_env_opened(struct tc_probe_env *env, size_t held);
/* A socket was closed by an attempt that held `held` with it. */
void tc_probe_env_closed(struct tc_probe_env *env, size_t held);
/* socket() failed for want of descriptors: the system's limit is lower than the budget, which
 * comes down to the sockets open now.  False when none is open: the failure is the attempt's. */
bool tc_probe_env_out_of_descriptors(struct tc_probe_env *env);

#endif

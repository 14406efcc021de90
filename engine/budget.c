/* SPDX-License-Identifier: GPL-3.0-or-later */
/* budget.c: the socket budget (budget.h): how many sockets a run may hold, and how many it does.
 *
 * A file of its own because it is a job of its own: the open-file limit, the descriptors already
 * open and the base and extra units are the run's, not one attempt's, and no probe's field is
 * written here (probe.c alone writes those).  It writes only the env's counters.
 */
#include <dirent.h>
#include <string.h>
#include <sys/resource.h>

#include "budget.h"

#define DEFAULT_BUDGET 1024
#define DESCRIPTOR_RESERVE 16 /* for the resolver, stdio and whatever the caller holds */
#define SMALL_RUN 16          /* this few sockets fit any limit: no need to look at it */

/* ---- the limit ---- */

static size_t open_descriptors(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return DESCRIPTOR_RESERVE;
    size_t n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

void tc_probe_env_init(struct tc_probe_env *env, const struct tc_options *opt)
{
    memset(env, 0, sizeof *env);
    env->opt = opt;
    env->budget = opt->max_inflight ? opt->max_inflight : DEFAULT_BUDGET;
    env->budget_checked = opt->max_inflight != 0; /* -c N is the user's word */
}

/* The default budget, never more than the open-file limit allows (tcpcheck(1), OPTIONS, -c).
 * Counting the open descriptors costs five system calls, so it is done only once a run grows
 * past a handful of sockets: a single probe in a loop costs little more than its own socket.
 * A lower real limit is found at socket() (EMFILE) and respected there. */
static size_t budget(struct tc_probe_env *env)
{
    if (env->budget_checked || env->units < SMALL_RUN)
        return env->budget;
    env->budget_checked = true;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        env->budget + DESCRIPTOR_RESERVE <= rl.rlim_cur / 2)
        return env->budget;
    size_t used = open_descriptors() + DESCRIPTOR_RESERVE;
    size_t room = rl.rlim_cur > used ? (size_t)rl.rlim_cur - used : 1;
    if (room < env->budget)
        env->budget = room;
    return env->budget;
}

bool tc_probe_env_out_of_descriptors(struct tc_probe_env *env)
{
    if (env->sockets == 0)
        return false;
    env->budget = env->sockets; /* the system's limit is lower than ours */
    env->budget_checked = true;
    return true;
}

/* ---- base units: one per attempt ---- */

bool tc_probe_env_has_room(struct tc_probe_env *env)
{
    return env->units < budget(env);
}

void tc_probe_env_take_unit(struct tc_probe_env *env)
{
    env->units++;
}

void tc_probe_env_give_unit(struct tc_probe_env *env)
{
    env->units--;
}

/* ---- sockets: the first of an attempt is its base unit, the others extra units ---- */

bool tc_probe_env_may_open(struct tc_probe_env *env, size_t held)
{
    if (held == 0)
        return true;
    return !env->starting && env->units < budget(env);
}

/* Called before the socket counts as held. */
void tc_probe_env_opened(struct tc_probe_env *env, size_t held)
{
    if (held > 0)
        env->units++;
    env->sockets++;
}

/* Called while the socket still counts as held. */
void tc_probe_env_closed(struct tc_probe_env *env, size_t held)
{
    env->sockets--;
    if (held > 1)
        env->units--;
}

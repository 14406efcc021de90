/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock.c: the one clock the engine measures deadlines with. */
#include <time.h>

#include "clock.h"

/* CLOCK_MONOTONIC: deadlines must not move when someone sets the wall clock. */
tc_usec tc_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (tc_usec)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock.h: the one clock deadlines are measured with. */
#ifndef TC_CLOCK_H
#define TC_CLOCK_H

#include "tcpcheck.h"

/* Now, in microseconds on the monotonic clock. */
tc_usec tc_now(void);

#endif

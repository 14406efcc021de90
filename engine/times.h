/* SPDX-License-Identifier: GPL-3.0-or-later */
/* times.h: SECS as the user writes it (tcpcheck(1), OPTIONS, "Times"). */
#ifndef TC_TIMES_H
#define TC_TIMES_H

#include "tcpcheck.h"

/* The longest time any option accepts: one day. */
#define TC_SECONDS_MAX_USEC ((tc_usec)86400 * 1000000)

enum tc_seconds_problem {
    TC_SECONDS_OK,
    TC_SECONDS_SYNTAX,  /* not DIGITS[.DIGITS][UNIT] */
    TC_SECONDS_PRECISE, /* finer than a microsecond ("1.0000001", "0.0001ms") */
    TC_SECONDS_RANGE,   /* more than a day */
};

/* A decimal number with an optional fraction and an optional unit (ms, s, m, h; none means
 * seconds) into microseconds.  No sign, exponent, hex or space. */
enum tc_seconds_problem tc_seconds_value(const char *text, tc_usec *usec);

/* True when the text carries a unit ("500ms"), false for a bare number of seconds ("0.25"). */
bool tc_seconds_has_unit(const char *text);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* times.c: SECS as the user writes it, and as messages write it back (tcpcheck(1), OPTIONS,
 * "Times").
 *
 * The arithmetic is exact: a unit is k * 10^e microseconds, so "1.5m" is 15 * 6 * 10^6 and no
 * floating point rounds "0.1" into 99999 us.  A value finer than a microsecond is refused
 * rather than rounded, since a deadline the user did not write is a surprise.
 */
#include "times.h"

#include <stdio.h>
#include <string.h>

/* ---- units ---- */

struct unit {
    const char *name; /* "" for a bare number: seconds */
    int64_t k;
    int e; /* one unit is k * 10^e microseconds */
};

static const struct unit units[] = {
    {"", 1, 6}, {"s", 1, 6}, {"ms", 1, 3}, {"m", 6, 7}, {"h", 36, 8},
};

static const struct unit *find_unit(const char *name)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(units[i].name, name) == 0)
            return &units[i];
    return NULL;
}

static int64_t power_of_ten(int n)
{
    int64_t p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

/* ---- parsing ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The digits of a fraction without its trailing zeros: "5000" is 0.5, "0500" is 0.05. */
static size_t significant_digits(const char *digits, size_t n)
{
    while (n > 0 && digits[n - 1] == '0')
        n--;
    return n;
}

static int64_t digits_value(const char *digits, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (digits[i] - '0');
    return v;
}

enum tc_seconds_problem tc_seconds_value(const char *text, tc_usec *usec)
{
    const char *p = text;
    size_t nwhole = 0;
    for (; is_digit(*p); p++)
        nwhole++;
    const char *fraction = p;
    size_t nfraction = 0;
    if (*p == '.') {
        fraction = ++p;
        for (; is_digit(*p); p++)
            nfraction++;
    }
    const struct unit *u = find_unit(p);
    if (!u || nwhole + nfraction == 0) /* "", ".", "ms" and ".s" are no numbers */
        return TC_SECONDS_SYNTAX;

    /* The whole part, compared with the largest one the unit allows, digit by digit so that
     * no length of input overflows. */
    int64_t unit_usec = u->k * power_of_ten(u->e);
    int64_t whole_max = TC_SECONDS_MAX_USEC / unit_usec, whole = 0;
    for (size_t i = 0; i < nwhole; i++) {
        whole = whole * 10 + (text[i] - '0');
        if (whole > whole_max)
            return TC_SECONDS_RANGE;
    }

    /* k holds at most 2^2 (36), so a fraction can be exact down to 10^-(e+2) of a unit:
     * "0.00000005m" is 3 us.  Anything longer is finer than a microsecond. */
    int n = (int)significant_digits(fraction, nfraction);
    if (n > u->e + 2)
        return TC_SECONDS_PRECISE;
    int64_t scaled = digits_value(fraction, (size_t)n) * u->k, part;
    if (n <= u->e) {
        part = scaled * power_of_ten(u->e - n);
    } else {
        int64_t divisor = power_of_ten(n - u->e);
        if (scaled % divisor != 0)
            return TC_SECONDS_PRECISE;
        part = scaled / divisor;
    }
    *usec = whole * unit_usec + part;
    return *usec > TC_SECONDS_MAX_USEC ? TC_SECONDS_RANGE : TC_SECONDS_OK;
}

/* ---- writing a time back ---- */

bool tc_seconds_has_unit(const char *text)
{
    size_t n = strlen(text);
    return n > 0 && text[n - 1] >= 'a' && text[n - 1] <= 'z';
}

void tc_seconds_phrase(char *out, size_t size, const char *text)
{
    snprintf(out, size, "%s%s", text, tc_seconds_has_unit(text) ? "" : " s");
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* unit.h: the smallest test harness that can fail: CHECK records, DONE summarises. */
#ifndef TC_UNIT_H
#define TC_UNIT_H

#include <stdio.h>

static int unit_passed, unit_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            unit_passed++;                                                                         \
        } else {                                                                                   \
            unit_failed++;                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

/* Prints the closing line and returns the process status. */
#define DONE(name)                                                                                 \
    (printf("%s: %d passed, %d failed\n", (name), unit_passed, unit_failed), unit_failed != 0)

#endif

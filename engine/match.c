/* SPDX-License-Identifier: GPL-3.0-or-later */
/* match.c: the -E glob.  fnmatch() with no flags is bash's `[[ == ]]` without extglob: no
 * FNM_PATHNAME (so `*` crosses `/`), no FNM_PERIOD (so `*` matches a leading `.`), and no
 * FNM_NOESCAPE (so `\*` is a literal star).  It follows LC_CTYPE as bash does, so `?` is one
 * character, not one byte, in a UTF-8 locale. */
#include "match.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>

bool tc_reply_matches(const char *pattern, const unsigned char *reply, size_t len)
{
    /* fnmatch() reads C strings, and bash keeps no NUL in a variable either: drop them. */
    if (len == SIZE_MAX)
        return false;
    char *text = malloc(len + 1);
    if (text == NULL)
        return false;
    size_t kept = 0;
    for (size_t i = 0; i < len; i++)
        if (reply[i] != '\0')
            text[kept++] = (char)reply[i];
    text[kept] = '\0';
    bool matched = fnmatch(pattern, text, 0) == 0;
    free(text);
    return matched;
}

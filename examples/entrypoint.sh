#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# entrypoint.sh: a container entrypoint that waits for its dependencies, then becomes the server.
#
#   ENTRYPOINT ["/entrypoint.sh"]
#   CMD ["/app/server", "--port", "8080"]
#
# WAIT_FOR lists the dependencies as HOST:PORT words (default: the compose services db and cache);
# WAIT_SECS bounds the whole wait (default 30).  tcpcheck retries every dependency that is not open
# (names that do not resolve yet included, as compose service names do before their container
# starts), and once all are open it replaces itself with the command (exec): the server is PID 1
# and gets the signals.  On failure the server is not started and the status says why:
# 1 refused, 3 timeout, 4 unresolved, 5 unreachable.  A shell-less image can do the same with an
# exec-form ENTRYPOINT: ["/tcpcheck", "-W", "30", "db:5432", "cache:6379", "--", "/app/server"].
set -eu

if [ "$#" -eq 0 ]; then
    echo "entrypoint.sh: no command to run (set CMD)" >&2
    exit 2
fi
set -f # WAIT_FOR is split into words, never globbed
# shellcheck disable=SC2086
exec "${TCPCHECK:-tcpcheck}" -W "${WAIT_SECS:-30}" -w 2 ${WAIT_FOR:-db:5432 cache:6379} -- "$@"

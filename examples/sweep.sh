#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# sweep.sh: list the open TCP ports of a host, one per line, with tcpcheck's JSON and jq.
#
#   sweep.sh [HOST [PORTS]]      default: 127.0.0.1, every port (1-65535)
#
# PORTS is any port word of tcpcheck: 22, 1-1024, 80,443,8000-8100.  Every port is probed in
# parallel (as many at once as the open-file limit allows; -c N lowers it), each closed with a
# reset (-R), so a sweep leaves no TIME_WAIT behind.  Only sweep hosts you are allowed to probe.
set -eu
host=${1:-127.0.0.1}
ports=${2:-1-65535}
# Closed ports make tcpcheck's status non-zero: that is expected here, so only jq's counts.
"${TCPCHECK:-tcpcheck}" -R -j -w "${SWEEP_WAIT:-1}" "$host" "$ports" |
    jq -r 'select(.state == "open") | .port'

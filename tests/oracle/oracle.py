#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""oracle.py: randomized tcpcheck runs, each checked against a small independent model.

A seeded generator picks a scenario: N targets over open, refused, silent, unresolvable and
unreachable ports and the multi-address names of the topology (ha, hb, hc, hd: see
netns_topology in tests/helpers.bash), a -c, -a or -m, -w, and wait mode (-W, -i) or not.  The
model knows nothing of the engine's code, only the rules of tcpcheck(1):

  - each kind's state: open, refused, timeout (silent), unresolved, unreachable; ha, hb and hc
    open through their good address (Happy Eyeballs gives every address its share of -w), hd is
    refused after -w;
  - -c counts sockets and every target holds at least one while it is attempted, so first
    attempts start in argument order as sockets free up (a list schedule over -c sockets), and
    in wait mode before any retry;
  - wait mode retries what is not open until -W, keeps the last attempt's state, ends at -W,
    and stops as soon as -a/-m is met: targets not yet attempted then are `timeout` with 0
    attempts, others keep their state or, cut short, are `timeout`;
  - the status: 0 when all (or -m N) are open, else the first failing target's.

Where timing makes an outcome uncertain (a target that starts close to -W or to the moment the
quorum is met), the model allows each possibility; the margin is generous.

Usage (inside the namespace that tests/oracle.bats makes):
  oracle.py --open PORT --good PORT [--seeds N] [--seed S] [--kinds k1,k2,...]
ORACLE_SEEDS and ORACLE_SEED in the environment do the same as --seeds and --seed.  The form
under test comes from TC_FORM (program or builtin), TC, TC_SO and ORACLE_BUILTIN_ENV.
A failure prints its seed, the command line, and what differed; the last line is a summary.
"""

import argparse
import itertools
import json
import math
import os
import random
import shlex
import subprocess
import sys
import time

FAST = 0.02  # an answer on loopback or from the hosts file
MARGIN = 0.08  # how close to a boundary an event may land on a loaded machine
SLACK = 0.35  # process start-up and scheduling on top of a time bound
DEFAULT_C = 1024
GOOD = "10.77.0.11"

STATUS = {"open": 0, "refused": 1, "timeout": 3, "unresolved": 4, "unreachable": 5,
          "mismatch": 6, "error": 7}

# kind: (state, address, can open, shortest and longest first attempt as a function of -w)
KINDS = {
    "open": ("open", "127.0.0.1", True, lambda w: (0.0, FAST)),
    "refused": ("refused", "127.0.0.1", False, lambda w: (0.0, FAST)),
    "silent": ("timeout", "10.77.0.2", False, lambda w: (w, w)),
    "nx": ("unresolved", None, False, lambda w: (0.0, FAST)),
    "unreach": ("unreachable", "10.78.0.5", False, lambda w: (0.0, min(w, 0.1))),
    "ha": ("open", GOOD, True, lambda w: (0.0, w)),
    "hb": ("open", GOOD, True, lambda w: (0.0, w)),
    "hc": ("open", GOOD, True, lambda w: (0.0, w)),
    "hd": ("refused", "10.77.0.12", False, lambda w: (w, w)),
}
WEIGHTS = {"open": 3, "refused": 3, "silent": 2, "nx": 1, "unreach": 1,
           "ha": 1, "hb": 1, "hc": 1, "hd": 1}
CLOSED_PORTS = [1, 7, 9, 13, 19]


# ---- the generator ----

def generate(seed, kinds, ports):
    rng = random.Random(seed)
    names = [k for k in WEIGHTS if k in kinds]
    n = rng.randint(1, 10)
    targets = []
    for _ in range(n):
        kind = rng.choices(names, [WEIGHTS[k] for k in names])[0]
        if kind == "open":
            word = "127.0.0.1:%d" % ports["open"]
        elif kind == "refused":
            word = "127.0.0.1:%d" % rng.choice(CLOSED_PORTS)
        elif kind == "silent":
            word = "10.77.0.2:80"
        elif kind == "nx":
            word = "nosuch.invalid:80"
        elif kind == "unreach":
            word = "10.78.0.5:80"
        else:
            word = "%s:%d" % (kind, ports["good"])
        targets.append((kind, word))
    s = {
        "targets": targets,
        "c": rng.choice([1, 2, 3, 5, None]),
        "quorum": rng.choice([None, None, "a", "m"]),
        "w": rng.choice([0.1, 0.15, 0.2]),
        "wait": rng.random() < 0.5,
        "W": rng.choice([0.25, 0.35, 0.5]),
        "i": rng.choice([0.05, 0.1]),
    }
    s["m"] = 1 if s["quorum"] == "a" else rng.randint(1, n) if s["quorum"] == "m" else 0
    return s


def command_line(s):
    args = ["-j", "-w", str(s["w"])]
    if s["c"]:
        args += ["-c", str(s["c"])]
    if s["quorum"] == "a":
        args.append("-a")
    elif s["quorum"] == "m":
        args += ["-m", str(s["m"])]
    if s["wait"]:
        args += ["-W", str(s["W"]), "-i", str(s["i"])]
    return args + [word for _, word in s["targets"]]


# ---- the model ----

def list_schedule(durations, sockets):
    """Start times of jobs taken in order, each on the socket that frees first."""
    free = [0.0] * max(1, min(sockets, len(durations)))
    starts = []
    for d in durations:
        k = min(range(len(free)), key=free.__getitem__)
        starts.append(free[k])
        free[k] += d
    return starts


class Target:
    def __init__(self, kind, w):
        self.kind = kind
        self.state, self.address, self.can_open, span = KINDS[kind]
        self.dur_lo, self.dur_hi = span(w)


def model(s):
    """Returns (allowed (state, attempted) sets per target, allowed statuses, time bounds)."""
    w = s["w"]
    sockets = s["c"] or DEFAULT_C
    ts = [Target(kind, w) for kind, _ in s["targets"]]
    if not s["wait"]:
        return model_once(s, ts, sockets)
    lo = list_schedule([t.dur_lo for t in ts], sockets)
    hi = list_schedule([t.dur_hi for t in ts], sockets)
    for t, a, b in zip(ts, lo, hi):
        t.start_lo, t.start_hi = a, b
        t.open_lo, t.open_hi = a + t.dur_lo, b + t.dur_hi
    return model_wait(s, ts)


def model_once(s, ts, sockets):
    allowed = [{(t.state, True)} for t in ts]
    slow = any(t.kind in ("silent", "hd") for t in ts)
    his = [t.dur_hi for t in ts]
    t_lo = s["w"] - MARGIN if slow else 0.0
    t_hi = sum(his) / min(sockets, len(ts)) + max(his) + SLACK  # Graham's list-schedule bound
    return allowed, statuses(s, allowed), (t_lo, t_hi)


def model_wait(s, ts):
    W, k = s["W"], s["m"]
    # When can the quorum be met?  The k-th open, among targets that can open before -W.
    sure = sorted(t.open_hi for t in ts if t.can_open and t.open_hi < W - MARGIN)
    maybe = sorted(t.open_lo for t in ts if t.can_open and t.open_lo < W)
    scenarios = []  # (allowed sets, time bounds, quorum met?)
    if k and len(maybe) >= k:
        q_lo, q_hi = maybe[k - 1], sure[k - 1] if len(sure) >= k else W
        scenarios.append((stopped(ts, q_lo, q_hi), (q_lo - MARGIN, q_hi + SLACK), True))
        if len(sure) < k:
            scenarios.append((until_w(s, ts), waited(s, ts), False))
    else:
        scenarios.append((until_w(s, ts), waited(s, ts), False))
    allowed = [set().union(*(sc[0][j] for sc in scenarios)) for j in range(len(ts))]
    status = set()
    for sets, _, met in scenarios:
        status |= {0} if met else statuses(s, sets)
    t_lo = min(sc[1][0] for sc in scenarios)
    t_hi = max(sc[1][1] for sc in scenarios)
    return allowed, status, (t_lo, t_hi)


def until_w(s, ts):
    """Wait mode that runs to -W (or until every target is open)."""
    W = s["W"]
    allowed = []
    for t in ts:
        a = set()
        if t.start_lo < W:
            a.add((t.state, True))
            if t.start_hi + t.dur_hi + MARGIN >= W:  # the first attempt may be cut at -W
                a.add(("timeout", True))
        if t.start_hi + MARGIN >= W:
            a.add(("timeout", False))
        allowed.append(a)
    return allowed


def waited(s, ts):
    W, i = s["W"], s["i"]
    if all(t.can_open and t.open_hi < W - MARGIN for t in ts):
        return (max(t.open_lo for t in ts) - MARGIN, max(t.open_hi for t in ts) + SLACK)
    if all(t.can_open for t in ts):
        return (0.0, W + SLACK)
    return (W - i - MARGIN, W + SLACK)


def stopped(ts, q_lo, q_hi):
    """Wait mode that stops when the quorum is met, somewhere in [q_lo, q_hi]."""
    allowed = []
    for t in ts:
        a = set()
        end_lo, end_hi = (t.open_lo, t.open_hi) if t.can_open else \
            (t.start_lo + t.dur_lo, t.start_hi + t.dur_hi)
        if end_lo <= q_hi + MARGIN:  # its first attempt may have ended (open or failed)
            a.add((t.state, True))
        if t.start_hi >= q_lo - MARGIN:  # it may not have started yet
            a.add(("timeout", False))
        if t.start_lo <= q_hi + MARGIN and end_hi >= q_lo - MARGIN:  # or may be cut short
            a.add(("timeout", True))
        allowed.append(a)
    return allowed


def statuses(s, allowed, limit=20000):
    """Every exit status the allowed states can give."""
    sets = [sorted({st for st, _ in a}) for a in allowed]
    if math.prod(len(x) for x in sets) > limit:  # too many: any state's status will do
        return {0} | {STATUS[st] for x in sets for st in x}
    out = set()
    for combo in itertools.product(*sets):
        opened = sum(st == "open" for st in combo)
        ok = opened >= s["m"] if s["m"] else opened == len(combo)
        out.add(0 if ok else next(STATUS[st] for st in combo if st != "open"))
    return out


# ---- running tcpcheck and comparing ----

def run_tc(args):
    form = os.environ.get("TC_FORM", "program")
    if form == "builtin":
        env = dict(os.environ)
        for kv in shlex.split(os.environ.get("ORACLE_BUILTIN_ENV", "")):
            key, _, value = kv.partition("=")
            env[key] = value
        cmd = ["bash", "-c", 'enable -f "$1" tcpcheck || exit 99; shift; tcpcheck "$@"',
               "bash", os.environ["TC_SO"]] + args
    else:
        env = None
        cmd = [os.environ["TC"]] + args
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def check(seed, s):
    args = command_line(s)
    allowed, status_ok, (t_lo, t_hi) = model(s)
    rc, out, err, took = run_tc(args)
    problems = []
    try:
        objs = [json.loads(line) for line in out.splitlines()]
    except ValueError as e:
        objs = []
        problems.append("stdout is not JSON lines: %s" % e)
    if len(objs) != len(s["targets"]) and not problems:
        problems.append("%d objects for %d targets" % (len(objs), len(s["targets"])))
    for j, (o, (kind, word), a) in enumerate(zip(objs, s["targets"], allowed)):
        host, port = word.rsplit(":", 1)
        if (o.get("host"), o.get("port")) != (host, int(port)):
            problems.append("object %d is %s:%s, want %s" % (j + 1, o.get("host"), o.get("port"),
                                                            word))
            continue
        got = (o.get("state"), o.get("attempts", 0) > 0)
        if got not in a:
            problems.append("target %d (%s %s): got %s%s, want one of %s" % (
                j + 1, kind, word, got[0], "" if got[1] else " (never attempted)",
                sorted(describe(x) for x in a)))
        if got == ("open", True) and o.get("address") != KINDS[kind][1]:
            problems.append("target %d (%s): open through %s, want %s" % (
                j + 1, kind, o.get("address"), KINDS[kind][1]))
        if not got[1] and "not attempted" not in (o.get("error") or ""):
            problems.append("target %d: 0 attempts, but the error says %r" % (j + 1,
                                                                              o.get("error")))
    if rc not in status_ok:
        problems.append("status %d, want one of %s" % (rc, sorted(status_ok)))
    if not t_lo <= took <= t_hi:
        problems.append("took %.3f s, want %.3f-%.3f s" % (took, max(t_lo, 0), t_hi))
    if problems:
        print("oracle: seed %d FAILED: tcpcheck %s" % (seed, shlex.join(args)))
        print("  kinds: %s" % " ".join(k for k, _ in s["targets"]))
        for p in problems:
            print("  " + p)
        if err.strip():
            print("  stderr: " + err.strip().replace("\n", "\n          "))
    return not problems


def describe(x):
    return x[0] if x[1] else x[0] + " (never attempted)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--open", type=int, required=True, help="port of the listener on 127.0.0.1")
    ap.add_argument("--good", type=int, required=True, help="port of the listener on " + GOOD)
    ap.add_argument("--seeds", type=int, default=int(os.environ.get("ORACLE_SEEDS", "120")))
    ap.add_argument("--seed", type=int, default=os.environ.get("ORACLE_SEED"))
    ap.add_argument("--kinds", default=os.environ.get("ORACLE_KINDS", ",".join(KINDS)))
    opt = ap.parse_args()
    kinds = set(opt.kinds.split(","))
    seeds = [int(opt.seed)] if opt.seed is not None else range(1, opt.seeds + 1)
    ports = {"open": opt.open, "good": opt.good}
    failed = [seed for seed in seeds if not check(seed, generate(seed, kinds, ports))]
    print("oracle: %d seeds, %d failed%s" % (len(seeds), len(failed),
                                              (": " + " ".join(map(str, failed))) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

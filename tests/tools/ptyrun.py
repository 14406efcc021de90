#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""ptyrun.py: run a command on a pseudo-terminal and tell what a person would have seen.

    ptyrun.py [--cols N] [--rows N] [--term T|--no-term] [--type LINE]... [--prompt P]
              [--ctrl-c-after MS] [--timeout S] -- COMMAND [ARG...]

COMMAND runs with a new pty as its controlling terminal and its stdin, stdout and stderr (a
command may still redirect them).  With --type, each LINE is typed once PROMPT (default
"@@P> ") shows, and "exit" after the last: an interactive `bash -i` session.  --ctrl-c-after types Ctrl-C once.

Everything COMMAND writes is read as it comes, with the time it came, and played on a small
screen model that knows what tcpcheck's progress line uses and nothing more: printable bytes
overwrite at the cursor, "\\r" goes to column 0, "\\n" down a row (the pty's ONLCR makes it
"\\r\\n"), backspace one column left, "ESC[K" erases to the end of the line, and "ESC[?...h" /
"ESC[?...l" (readline's bracketed-paste mode) change nothing visible.  Any other escape is
listed in "unknown", so a test sees it.

Prints one JSON object on stdout:
  status    COMMAND's exit status (128 + signal if a signal ended it)
  raw       every byte read, as a string (bytes mapped one to one to U+0000-U+00FF)
  screen    the final screen's rows, trailing spaces and trailing empty rows dropped
  draws     each "ESC[K" that ends text written since the last "\\r":
            {"ms": when it was read (since start), "text": that text, "col": the cursor column}
  erases    how many "ESC[K" came right after a "\\r" (a line erased)
  unknown   the escape sequences the model does not know
  elapsed_ms how long COMMAND ran
"""
import argparse
import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


class Screen:
    def __init__(self):
        self.rows = [[]]
        self.row = self.col = 0
        self.since_cr = None  # text written since the last "\r" (None: something else moved)
        self.draws, self.erases, self.unknown = [], 0, []
        self.pending = b""

    def put(self, ch):
        line = self.rows[self.row]
        while len(line) < self.col:
            line.append(" ")
        if self.col < len(line):
            line[self.col] = ch
        else:
            line.append(ch)
        self.col += 1
        if self.since_cr is not None:
            self.since_cr += ch

    def erase_to_end(self, ms):
        del self.rows[self.row][self.col:]
        if self.since_cr == "":
            self.erases += 1
        elif self.since_cr is not None:
            self.draws.append({"ms": ms, "text": self.since_cr, "col": self.col})
        self.since_cr = None

    def feed(self, data, ms):
        data = self.pending + data
        self.pending = b""
        i = 0
        while i < len(data):
            b = data[i]
            if b == 0x1B:
                end = self.escape_end(data, i)
                if end is None:  # incomplete: wait for the rest
                    self.pending = data[i:]
                    return
                seq = data[i:end]
                if seq == b"\x1b[K":
                    self.erase_to_end(ms)
                elif not (seq.startswith(b"\x1b[?") and seq[-1:] in (b"h", b"l")):
                    self.unknown.append(seq.decode("latin-1"))
                i = end
                continue
            if b == 0x0D:
                self.col = 0
                self.since_cr = ""
            elif b == 0x0A:
                self.row += 1
                if self.row == len(self.rows):
                    self.rows.append([])
                self.since_cr = None
            elif b == 0x08:
                self.col = max(0, self.col - 1)
                self.since_cr = None
            elif b == 0x07:
                pass  # a bell
            elif b < 0x20 or b == 0x7F:
                self.unknown.append("\\x%02x" % b)
            else:
                self.put(chr(b))
            i += 1

    @staticmethod
    def escape_end(data, i):
        """The end of the escape sequence at data[i], or None when it is not all there."""
        if i + 1 >= len(data):
            return None
        if data[i + 1] != ord("["):
            return i + 2
        j = i + 2
        while j < len(data):
            if 0x40 <= data[j] <= 0x7E:
                return j + 1
            j += 1
        return None

    def final_rows(self):
        rows = ["".join(r).rstrip() for r in self.rows]
        while rows and rows[-1] == "":
            rows.pop()
        return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--term", default="xterm")
    ap.add_argument("--no-term", action="store_true", help="run with TERM unset")
    ap.add_argument("--type", action="append", default=[])
    ap.add_argument("--prompt", default="@@P> ")
    ap.add_argument("--ctrl-c-after", type=int, metavar="MS", help="type Ctrl-C once, MS after start")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()

    env = dict(os.environ)
    env.pop("TERM", None)
    if not args.no_term:
        env["TERM"] = args.term
    if args.type:
        env["PS1"] = args.prompt
    pid, fd = pty.fork()
    if pid == 0:
        try:
            # A run started with SIGINT ignored passes that on, and tcpcheck keeps an ignored
            # signal ignored: the command gets a terminal's defaults.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGQUIT, signal.SIG_DFL)
            os.execvpe(args.command[0], args.command, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", args.rows, args.cols, 0, 0))

    start = time.monotonic()
    screen, raw = Screen(), bytearray()
    prompt = args.prompt.encode()
    to_type = list(args.type) + (["exit"] if args.type else [])
    status = end = None
    deadline = start + args.timeout

    def reap(flags):
        nonlocal status, end
        done, st = os.waitpid(pid, flags)
        if done:
            code = os.waitstatus_to_exitcode(st)
            status, end = (128 - code if code < 0 else code), time.monotonic()

    while True:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            print("ptyrun: timed out", file=sys.stderr)
            deadline = float("inf")
        if args.ctrl_c_after is not None and time.monotonic() - start >= args.ctrl_c_after / 1000:
            os.write(fd, b"\x03")
            args.ctrl_c_after = None
        if status is None:
            reap(os.WNOHANG)
        ready = select.select([fd], [], [], 0.05 if status is None else 0.2)[0]
        if not ready:
            if status is not None:
                break
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every holder of the terminal is gone
            chunk = b""
        if not chunk:
            break
        ms = round((time.monotonic() - start) * 1000)
        raw += chunk
        screen.feed(chunk, ms)
        if to_type and raw.endswith(prompt):
            os.write(fd, to_type.pop(0).encode() + b"\n")
    if status is None:
        reap(0)
    os.close(fd)
    json.dump(
        {
            "status": status,
            "raw": raw.decode("latin-1"),
            "screen": screen.final_rows(),
            "draws": screen.draws,
            "erases": screen.erases,
            "unknown": screen.unknown,
            "elapsed_ms": round((end - start) * 1000),
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()

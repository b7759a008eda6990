"""Timing in rounds that alternate nnc and its peers, for `make bench` and
`make bench-peers`.

The machine is a noisy VM: its speed changes from one phase to the next, so
a ratio of two figures measured minutes apart says little. Every peer runs in
a worker process that prepares each model once (warm-up, tracing, compiling)
and then times a given number of steps on command; each round times nnc and
then every peer on one piece of work (the next round in reverse order), so
each round's ratio comes from one phase, and the report gives the median of
the rounds' ratios.

Worker side: `serve(version, prepare)` (no import beyond the standard library,
so the workers' own interpreters can load this file). Orchestrator side:
`Peer`, `Nnc` and `rounds`. The protocol, one line each way:
  prepare KEY MODEL WORK VARIANT THREADS  ->  ok SECONDS_PER_STEP SETUP_SECONDS
  time KEY STEPS THREADS                  ->  ok SECONDS_PER_STEP
and `skip REASON` instead of `ok` when the variant cannot run."""

import os
import re
import select
import statistics
import subprocess
import sys
import time
import traceback

TARGET_S = 1.0  # seconds of work per timed measurement


class Skip(Exception):
    """A variant that cannot run here; the message says why."""


def serve(version, prepare):
    """Worker main loop. prepare(model, work, variant, threads) returns
    run(steps) -> seconds for `steps` steps, or raises Skip."""
    # The protocol keeps fd 1 to itself: whatever else the peer's libraries
    # print, from Python or from C, goes to stderr, the log.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    print(f"hello {version}", file=out, flush=True)
    runs = {}
    for line in sys.stdin:
        cmd = line.split()
        try:
            if cmd[0] == "prepare":
                t0 = time.perf_counter()
                run = prepare(cmd[2], cmd[3], cmd[4], int(cmd[5]))
                run(3)  # warm-up: compiled variants compile (or recompile) here
                ready = time.perf_counter() - t0
                n, t = 1, run(1)
                while t < 0.3:  # a first estimate of one step, for the step count
                    n *= 2
                    t = run(n)
                runs[cmd[1]] = run
                reply = f"ok {t / n:.9g} {ready:.1f}"
            elif cmd[0] == "time":
                reply = f"ok {runs[cmd[1]](int(cmd[2])) / int(cmd[2]):.9g}"
            else:
                reply = f"skip unknown command {cmd[0]}"
        except Skip as e:
            reply = f"skip {e}"
        except Exception as e:  # a peer's failure is a row of the report, not the end of it
            traceback.print_exc(file=sys.stderr)
            reply = f"skip {type(e).__name__}: {e}"
        print(" ".join(reply.split()), file=out, flush=True)


def one_line(text, limit=160):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Peer:
    """A worker process: `argv` runs a script that calls serve(). Its stderr
    goes to `log`. A worker that cannot start or dies is a skip reason."""

    def __init__(self, name, argv, log, env=None, skip=None):
        self.name, self.version, self.skip, self.proc = name, None, skip, None
        if skip:
            return
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=log, text=True, env=env)
        except OSError as e:
            self.skip = f"cannot start {argv[0]}: {e.strerror}"
            return
        hello = self._reply(300)
        if hello.startswith("hello "):
            self.version = hello[6:]
        else:
            self.skip = hello[5:] if hello.startswith("skip ") else one_line(hello)
            self.close()

    def _reply(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            if not ready:
                self.proc.kill()
                return f"skip no answer in {timeout} s (see the log)"
            return "skip the worker exited (see the log)"
        return line.strip()

    def call(self, line, timeout):
        if self.skip:
            return "skip " + self.skip
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except OSError:
            return "skip the worker exited (see the log)"
        reply = self._reply(timeout)
        if self.proc.poll() is not None:
            self.skip = "the worker exited (see the log)"
        return reply

    def close(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


class Entry:
    """One variant of one piece of work: nnc or a peer's."""

    def __init__(self, label, measure, per_step, skip=None, prepare_s=None):
        self.label, self.measure, self.skip, self.prepare_s = label, measure, skip, prepare_s
        self.steps = max(1, round(TARGET_S / per_step)) if per_step else 0
        self.times, self.outputs = [], []


def peer_entry(peer, label, key, model, work, variant, threads):
    """Prepares one variant in its worker; an Entry whose `skip` says why not."""
    reply = peer.call(f"prepare {key} {model} {work} {variant} {threads}", 1800)
    if not reply.startswith("ok "):
        return Entry(label, None, 0, reply[5:] if reply.startswith("skip ") else one_line(reply))

    def measure(steps):
        r = peer.call(f"time {key} {steps} {threads}", 600)
        if not r.startswith("ok "):
            raise Skip(r[5:])
        return float(r.split()[1]), ""
    _, per_step, prep = reply.split()
    return Entry(label, measure, float(per_step), prepare_s=float(prep))


def threads_env(n):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(n)
    return env


def nnc_entry(label, binary, mode, threads, batch):
    """bench_driver.c in one process per measurement: `BIN MODE 1 STEPS`."""
    def measure(steps):
        out = subprocess.run([binary, mode, "1", str(steps)], capture_output=True, text=True,
                             env=threads_env(threads), timeout=600)
        if out.returncode != 0:
            sys.exit(f"bench: {binary} {mode} failed:\n{out.stdout}{out.stderr}")
        value, unit = re.match(r"\S+ ([\d.]+) (\S+)", out.stdout).groups()
        return (float(value) * 1e-6 if unit == "us" else batch / float(value)), out.stdout
    probe, _ = measure(2000 if mode == "latency" else 8)
    return Entry(label, measure, probe)


def rounds(entries, n):
    """Times every entry that runs, n rounds, nnc (entries[0]) first in even
    rounds and last in odd ones. A peer that fails mid-way is skipped from then
    on, its ratios from the rounds before kept."""
    for r in range(n):
        order = entries if r % 2 == 0 else entries[::-1]
        for e in order:
            if e.skip:
                continue
            try:
                t, output = e.measure(e.steps)
            except Skip as err:
                e.skip = str(err)
                continue
            e.times.append(t)
            e.outputs.append(output)
            # re-sized to the phase: a step count set in a fast phase took 50 s in a slow one
            e.steps = max(1, round(TARGET_S / t))


def ratio(nnc, peer):
    """Median and range of the rounds' peer-time / nnc-time (> 1: nnc faster),
    over the rounds both ran."""
    rs = [p / c for c, p in zip(nnc.times, peer.times)]
    return statistics.median(rs), min(rs), max(rs)


def machine():
    """`x86_64, AMD EPYC, 2 cores`"""
    name = ""
    try:
        with open("/proc/cpuinfo") as f:
            name = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M).group(1)
    except (OSError, AttributeError):
        pass
    return ", ".join(x for x in (os.uname().machine, name, f"{os.cpu_count()} cores") if x)


def nnc_target(generated_c):
    """The --target named in a generated trainer's first comment."""
    with open(generated_c) as f:
        m = re.search(r"target (\w+) \*/", f.read(2000))
    return m.group(1) if m else "unknown"

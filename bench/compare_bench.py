"""Interpreter against a baseline checkout: the same programs, taking turns, in two processes.

The "no slower than before" check of a change to the interpreter. Each side runs in a child
process of its own (``app.lang.run_program`` imported from its checkout, one torch thread) that
stays up for the whole comparison; the children take turns on every repetition, so drift in a
shared machine hits both alike, and times are each child's CPU time. CPython + torch runs the
same source in this process, in the same turns, for the overhead ratio. Programs: the loop-heavy
ones of interpreter_bench.py, and with ``--seeds`` every seed example (app/examples/seed*)::

    git worktree add /tmp/base 6601f99
    python bench/compare_bench.py --baseline /tmp/base [--seeds] [--repeat 9] [--only NAME]

This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(root: str) -> None:
    """Run the programs the parent sends (one JSON string a line); answer CPU seconds."""
    sys.path.insert(0, root)
    import torch

    from app.config import ProgramLimits
    from app.lang import run_program
    from app.lang.errors import ProgramError

    print(json.dumps(str(Path(run_program.__code__.co_filename).parents[2])), flush=True)

    torch.set_num_threads(1)
    for line in sys.stdin:
        source = json.loads(line)
        start = time.process_time()
        try:
            stdout = run_program(source, ProgramLimits()).stdout
        except ProgramError as error:  # the seed examples that show an error
            stdout = f"{error.type}: {error.message}"
        elapsed = time.process_time() - start
        print(json.dumps([elapsed, stdout]), flush=True)


class Side:
    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        loaded = json.loads(self.process.stdout.readline())  # where its app came from
        assert Path(loaded) == root.resolve(), f"{root}: app imported from {loaded}"

    def run(self, source: str) -> tuple[float, str]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(source) + "\n")
        self.process.stdin.flush()
        elapsed, stdout = json.loads(self.process.stdout.readline())
        return float(elapsed), str(stdout)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def cpython_seconds(source: str) -> float:
    import interpreter_bench as programs

    start = time.process_time()
    with contextlib.suppress(Exception):  # the seed examples that show an error
        programs.run_cpython(source)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a checkout of the commit to compare with")
    parser.add_argument("--seeds", action="store_true", help="the seed examples too")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--only", default=None, help="the programs whose name has this")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.baseline is None:
        parser.error("--baseline is required")
    import torch

    sys.path.insert(0, str(ROOT / "bench"))  # not in a child: it imports app from this checkout
    import interpreter_bench as programs

    torch.set_num_threads(1)
    chosen = dict(programs.PROGRAMS)
    if args.seeds:
        for path in sorted(programs.EXAMPLES.glob("seed*.py")):
            chosen[path.stem] = programs._example(path.stem)
    ours, base = Side(ROOT), Side(args.baseline)
    print(f"{'program':36} {'base ms':>9} {'ours ms':>9} {'ours/base':>9} {'ours/cpy':>8}")
    totals = [0.0, 0.0]
    try:
        for name, source in chosen.items():
            if args.only and args.only not in name:
                continue
            same = ours.run(source)[1] == base.run(source)[1]
            times: list[list[float]] = [[], [], []]
            for turn in range(args.repeat):  # taking turns, first one side then the other
                sides = (ours, base) if turn % 2 else (base, ours)
                for side in sides:
                    times[0 if side is base else 1].append(side.run(source)[0])
                times[2].append(cpython_seconds(source))
            b, o, c = (statistics.median(t) * 1e3 for t in times)
            totals[0] += b
            totals[1] += o
            # run_program seeds each run afresh: an example printing random tensors differs
            differ = "" if same else "  (printed something else: random numbers?)"
            print(f"{name:36} {b:9.1f} {o:9.1f} {o / b:8.2f}x {o / c:7.2f}x{differ}")
    finally:
        ours.close()
        base.close()
    print(f"{'all of them':36} {totals[0]:9.1f} {totals[1]:9.1f} {totals[1] / totals[0]:8.2f}x")


if __name__ == "__main__":
    main()

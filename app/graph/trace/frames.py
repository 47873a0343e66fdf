"""Where a trace's frames go, bounded: the first K and last K iterations of every loop, and at
most ``max_frames`` in all (the first ones, then the last ones).

Frames of a loop's iterations past the first K wait in a ring of the last K iterations; when an
iteration falls out of the ring its frames are only counted, and when the loop ends a
``skipped`` marker (how many iterations, frames and backward passes) goes before the ring's
frames. Nested loops nest the same way. A loop whose length is known when it starts skips the
iterations between without capturing them (``on_skipping``: the recorder stops watching torch,
so those iterations run at full speed; their backward passes are then not counted). Past
``max_frames``, later frames go to a ring of the last ones, and the frames between are counted
in one more ``skipped`` marker.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable
from typing import Any

from app.config import TraceLimits

Frame = dict[str, Any]


class _Loop:
    __slots__ = (
        "bucket",
        "depth",
        "index",
        "length",
        "node",
        "skip",
        "skipped_backward",
        "skipped_frames",
        "skipped_iterations",
        "tail",
    )

    def __init__(self, node: ast.For | ast.While, depth: int) -> None:
        self.node = node
        self.depth = depth
        self.index = 0
        self.bucket: list[Frame] | None = None  # the current iteration's frames, when in the ring
        self.tail: deque[list[Frame]] = deque()
        self.skipped_iterations = 0
        self.skipped_frames = 0
        self.skipped_backward = 0
        self.length: int | None = None  # known before the loop ran: no ring needed
        self.skip = False  # this iteration is neither among the first K nor the last K


def _counts(frames: list[Frame]) -> tuple[int, int]:
    """Frames and backward passes in ``frames``, those behind skipped markers included."""
    count = passes = 0
    for frame in frames:
        if frame["kind"] == "skipped":
            count += frame["frames"]
            passes += frame["backward_count"] or 0
        else:
            count += 1
            passes += len(frame.get("passes", ()))
    return count, passes


def skipped_marker(
    line: int | None,
    column: int | None,
    iteration: list[int] | None,
    iterations: int,
    frames: int,
    passes: int | None,
) -> Frame:
    return {
        "kind": "skipped",
        "line": line,
        "column": column,
        "iteration": iteration,
        "iterations": iterations,
        "frames": frames,
        "backward_count": passes,
    }


class FrameSink:
    """Takes frames in program order and keeps a bounded selection of them, in that order."""

    def __init__(self, limits: TraceLimits) -> None:
        self.k = limits.loop_iterations
        self.loops: list[_Loop] = []
        last = max(1, limits.max_frames // 4)
        self.max_head = limits.max_frames - last
        self.head: list[Frame] = []
        self.last: deque[Frame] = deque(maxlen=last)
        self.dropped_frames = 0
        self.dropped_backward = 0
        self.truncated = False
        self._skipping = 0  # loops in the stack whose current iteration is left out
        # told True when iterations left out begin, False when they end (the recorder stops
        # watching torch meanwhile)
        self.on_skipping: Callable[[bool, ast.stmt], None] = lambda skipping, node: None

    @property
    def capturing(self) -> bool:
        """False inside an iteration known to be left out: take no frame, watch no pass."""
        return self._skipping == 0

    def left_out(self, frames: int, passes: int) -> None:
        """Count a frame (or passes) not taken because its iteration is left out."""
        for loop in reversed(self.loops):
            if loop.skip:
                loop.skipped_frames += frames
                loop.skipped_backward += passes
                return

    def iteration(self) -> list[int] | None:
        """The running loops' iteration numbers, outermost first (None outside loops)."""
        return [loop.index for loop in self.loops] if self.loops else None

    def add(self, frame: Frame) -> None:
        for loop in reversed(self.loops):
            if loop.bucket is not None:
                loop.bucket.append(frame)
                return
        if len(self.head) < self.max_head:
            self.head.append(frame)
            return
        if len(self.last) == self.last.maxlen:
            frames, passes = _counts([self.last[0]])
            self.dropped_frames += frames
            self.dropped_backward += passes
            self.truncated = True
        self.last.append(frame)

    def loop_iteration(
        self, node: ast.For | ast.While, index: int, depth: int, length: int | None = None
    ) -> None:
        """Iteration ``index`` begins. With the loop's ``length`` known (at index 0), the
        iterations between the first K and the last K are left out as they come (nothing is
        captured); otherwise the last K wait in a ring until the loop ends."""
        loop = self.loops[-1] if self.loops else None
        if loop is None or loop.node is not node or loop.depth != depth:
            loop = _Loop(node, depth)
            loop.length = length
            self.loops.append(loop)
        loop.index = index
        if loop.length is not None:
            skip = self.k <= index < loop.length - self.k
            if skip and not loop.skip:
                loop.skip = True
                self._skipping += 1
                if self._skipping == 1:
                    self.on_skipping(True, node)
            if skip:
                loop.skipped_iterations += 1
            elif loop.skip:
                self._end_skip(loop)
            return
        if index < self.k:
            return
        if len(loop.tail) == self.k:
            frames, passes = _counts(loop.tail.popleft())
            loop.skipped_iterations += 1
            loop.skipped_frames += frames
            loop.skipped_backward += passes
        loop.bucket = []
        loop.tail.append(loop.bucket)

    def loop_end(self, node: ast.For | ast.While, depth: int) -> None:
        if not any(loop.node is node and loop.depth == depth for loop in self.loops):
            return  # a loop that never began an iteration
        while self.loops:
            loop = self.loops.pop()
            self._flush(loop)
            if loop.node is node and loop.depth == depth:
                return

    def _end_skip(self, loop: _Loop) -> None:
        loop.skip = False
        self._unskip(loop.node)
        self._flush(loop)
        loop.skipped_iterations = loop.skipped_frames = loop.skipped_backward = 0

    def _unskip(self, node: ast.stmt) -> None:
        self._skipping -= 1
        if self._skipping == 0:
            self.on_skipping(False, node)

    def _flush(self, loop: _Loop) -> None:
        if loop.skip:
            loop.skip = False
            self._unskip(loop.node)
        if loop.skipped_iterations:
            self.add(
                skipped_marker(
                    loop.node.lineno,
                    loop.node.col_offset + 1,
                    self.iteration(),
                    loop.skipped_iterations,
                    loop.skipped_frames,
                    # skipped unwatched (length known): its backward passes were not seen
                    loop.skipped_backward if loop.length is None else None,
                )
            )
        for bucket in loop.tail:
            for frame in bucket:
                self.add(frame)
        loop.tail.clear()

    def finished(self) -> list[Frame]:
        """All frames kept, in program order (loops still open are closed first)."""
        while self.loops:
            self._flush(self.loops.pop())
        frames = list(self.head)
        if self.dropped_frames:
            frames.append(
                skipped_marker(None, None, None, 0, self.dropped_frames, self.dropped_backward)
            )
        frames.extend(self.last)
        return frames

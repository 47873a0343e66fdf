"""app.graph.release: a walked 60,000-node chain freed without overflowing the C stack, in a child
process (a regression kills the process with SIGSEGV, not this test run), and every node freed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent(
    """
    import gc, weakref, torch
    from app.graph import walk
    from app.graph.release import release

    x = torch.tensor(1.0, requires_grad=True)
    w = torch.tensor(0.999, requires_grad=True)
    y = x
    for _ in range(30_000):
        y = y * w + 1
    y.backward(retain_graph=True)
    keep = []
    graph = walk({"x": x, "w": w, "y": y}, max_nodes=100_000, keep=keep)
    assert len(graph.nodes) == 60_002, len(graph.nodes)
    assert len(keep) == 60_002
    root = weakref.ref(y)
    del y, graph
    gc.collect()
    release(keep)
    assert keep == [] and root() is None
    print("freed")
    """
)


def test_a_walked_chain_is_freed_node_by_node() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "freed"

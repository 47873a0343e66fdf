"""Every hostile program, run directly through ``run_program``: refused, named, placed, quick.

The test process has no OS fence, so a module-wide safety net caps its heap (RLIMIT_DATA) a few
gigabytes above what it uses: a regression in the estimators then fails one test with a
``worker_memory_mb`` error instead of taking the machine's memory. Each program runs with a
private working directory, HOME and TMPDIR, which must stay empty.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from app.config import ProgramLimits
from app.lang import ProgramError, run_program
from tests.security.conftest import files_under, marked_files
from tests.security.hostile_programs import (
    AFTER_SEEDED,
    DATALOADER_WORKERS,
    HOSTILE,
    SAVEFIG,
    SEEDED,
    Hostile,
)

# Seconds one refusal may take in-process. Typical ones take milliseconds; the slowest (a deep
# tuple hashed, a loop to max_steps) take about a second on a loaded two-core machine.
TIME_BOUND_S = 10.0
LOCAL = [h for h in HOSTILE if h.local]
pytestmark = pytest.mark.usefixtures("heap_cap")


@pytest.fixture
def jail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private cwd, HOME and TMPDIR; yields the directory holding them all."""
    for name in ("cwd", "home", "tmp"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    yield tmp_path


def refusal(program: Hostile) -> tuple[ProgramError, float]:
    started = time.perf_counter()
    with pytest.raises(ProgramError) as info:
        run_program(program.source, ProgramLimits(**program.limits))
    return info.value, time.perf_counter() - started


def check_refusal(program: Hostile, error: ProgramError) -> None:
    """The error has the expected type, names the problem, and says where, where it can."""
    assert error.type == program.error, f"{error.type}: {error.message}"
    assert program.word.lower() in error.message.lower(), error.message
    if program.error == "limit":
        assert error.limit == program.word, error.message
    if program.positioned:
        assert error.line is not None and error.line >= 1, error
        assert error.column is not None and error.column >= 1, error


@pytest.mark.parametrize("program", LOCAL, ids=[h.id for h in LOCAL])
def test_hostile_program_is_refused(program: Hostile, jail: Path) -> None:
    marked_before = set(marked_files())
    before = files_under(jail)
    error, elapsed = refusal(program)
    check_refusal(program, error)
    assert elapsed < TIME_BOUND_S, f"took {elapsed:.1f} s"
    assert files_under(jail) == before, "the program created files"
    assert set(marked_files()) == marked_before, "a file named by a hostile program appeared"


def test_the_catalogue_covers_every_family() -> None:
    families = Counter(h.family for h in HOSTILE)
    assert len(HOSTILE) >= 150
    assert len({h.id for h in HOSTILE}) == len(HOSTILE), "program ids must be unique"
    assert min(families.values()) >= 10, families
    assert {h.error for h in HOSTILE} >= {"syntax", "not_allowed", "limit", "runtime"}


# --- state that must not survive a program ----------------------------------------------------


def test_global_state_and_memory_do_not_leak_into_the_next_program(jail: Path) -> None:
    torch.manual_seed(0)
    seeded = torch.rand(3).tolist()
    run_program(SEEDED)
    result = run_program(AFTER_SEEDED)
    assert not torch.is_anomaly_enabled() and not result.warnings, result.warnings
    rand_line, state_line, leak_line = result.stdout.splitlines()
    assert str(seeded) not in rand_line, "the next program inherited the seed"
    assert state_line == "torch.float32 True tensor([0.1235])"
    # uninitialised memory (torch.empty, new_empty, np.empty) is zero-filled, never the last
    # program's numbers
    assert leak_line == "0 0 0"


def test_a_programs_random_seed_reaches_neither_the_next_run_nor_the_process() -> None:
    """``random`` is a private random.Random per run: seeding it moves nothing else."""
    random.seed(1234)
    process_state = random.getstate()
    seeded = run_program("import random\nrandom.seed(0)\nprint(random.random())\n")
    assert seeded.stdout == f"{random.Random(0).random()}\n"
    after = run_program("import random\nprint(random.random())\n")
    assert after.stdout != seeded.stdout, "the next program inherited the seed"
    assert random.getstate() == process_state, "the program moved the process's random state"
    # a state read by one run and set by another is that run's own business
    state = run_program("import random\nr = random.Random(5)\ns = r.getstate()\n")
    assert random.getstate() == process_state
    assert "s" in state.namespace


def test_dataloader_worker_processes_are_forced_off(jail: Path) -> None:
    before = _child_pids()
    result = run_program(DATALOADER_WORKERS)
    assert result.stdout == "1\n" * 4
    assert not multiprocessing.active_children()
    assert _child_pids() <= before, "the program started processes"


def test_savefig_writes_no_file(jail: Path) -> None:
    marked_before = set(marked_files())
    before = files_under(jail)
    result = run_program(SAVEFIG)
    assert result.stdout == "saved\n"
    assert len(result.figures) == 1
    assert files_under(jail) == before
    assert set(marked_files()) == marked_before


def test_callbacks_run_under_the_guard() -> None:
    """Functions handed to sorted/map/opt.step still meet the checks a direct call meets."""
    source = """
import torch
p = torch.ones(1, requires_grad=True)
opt = torch.optim.SGD([p], lr=0.1)
def closure():
    return torch.zeros(10**6, 10**6)
opt.step(closure)
"""
    with pytest.raises(ProgramError) as info:
        run_program(source)
    assert info.value.limit == "max_tensor_elements"
    assert info.value.line == 6  # the zeros() inside the closure


def test_allowed_patterns_still_work() -> None:
    """The fixes refuse tricks, not tutorials: .data updates of the same shape, activations
    kept as attributes, key functions, plt's display calls, stacking a few layers."""
    source = """
import torch
import matplotlib.pyplot as plt
w = torch.ones(3, requires_grad=True)
for step in range(3):
    loss = (w * 2).sum()
    loss.backward()
    w.data = w.data - 0.1 * w.grad
    w.grad.zero_()
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)
        self.act = torch.relu
    def forward(self, x):
        return self.act(self.fc(x))
net = Net()
y = net(torch.ones(4, 3))
opt = torch.optim.Adam(net.parameters(), lr=0.01)
opt.step()
names = sorted(['bb', 'a'], key=len)
biggest = max([3, -7, 5], key=abs)
plt.plot([1, 2, 3])
plt.xlim(0, 3)
plt.savefig('figure.png')
print(w.tolist(), tuple(y.shape), names, biggest, f"{[1, 2]}", "%s" % ([1],))
"""
    result = run_program(source)
    assert result.stdout.startswith("[0.4000000357627868")
    assert "(4, 2) ['a', 'bb'] -7 [1, 2] [1]" in result.stdout


def _child_pids() -> set[int]:
    me = str(os.getpid())
    pids: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if parent == me:
            pids.add(int(entry.name))
    return pids

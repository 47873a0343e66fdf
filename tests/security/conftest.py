"""Fixtures of the hostile suite: a server of its own, and a watch on the places files could land.

The security tests send hundreds of requests from one address in a minute, which the shared
``live_server`` would rightly rate-limit (and whose bucket the other API tests share), so they
get a server of their own, with the rate limit raised and everything else at its defaults. Its
HOME and TMPDIR are directories of the test, so a file a worker writes lands where we look.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_DIR, start_server, stop_server
from tests.security.hostile_programs import FILE_MARKER

HEAP_HEADROOM = 4 << 30
SERVER_WORKERS = 2
JOB_TIMEOUT_S = 5.0  # the default of Settings.job_timeout_s


@pytest.fixture(scope="module")
def heap_cap() -> Iterator[None]:
    """The test process has no fence: cap its heap (RLIMIT_DATA, soft) a few gigabytes above
    what it uses, so an estimator regression fails a test with ``worker_memory_mb`` instead of
    taking the shared machine's memory. Restored after the module."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = _data_bytes() + HEAP_HEADROOM
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _data_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class HostileServer:
    url: str
    pid: int
    home: Path
    tmp: Path  # TMPDIR of the server: the pool's worker directories live under it
    log: Path


@pytest.fixture(scope="session")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    root = tmp_path_factory.mktemp("hostile_server")
    home, tmp = root / "home", root / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "GRADTRACE_RATE_LIMIT_PER_MINUTE": "1000000",
        "GRADTRACE_RATE_LIMIT_BURST": "100000",
        "GRADTRACE_JOB_TIMEOUT_S": str(JOB_TIMEOUT_S),
        # A lower cap than the default: the memory hog meets it after ~1 GB of zero-filling,
        # well inside the time limit even on a loaded CI machine.
        "GRADTRACE_WORKER_MEMORY_MB": "1536",
    }
    command = [sys.executable, "-m", "app", "serve", "--workers", str(SERVER_WORKERS)]
    url, proc, log = start_server(command, root, env)
    yield HostileServer(url, proc.pid, home, tmp, log)
    stop_server(proc)


@pytest.fixture
def hostile_client(hostile_server: HostileServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile_server.url, timeout=60) as http:
        yield http


def files_under(*roots: Path) -> set[Path]:
    """Every regular file under ``roots`` (recursively), as a set of paths."""
    found: set[Path] = set()
    for root in roots:
        for dirpath, _, filenames in os.walk(root):
            found.update(Path(dirpath) / name for name in filenames)
    return found


def marked_files() -> list[Path]:
    """Files named with FILE_MARKER in the places a hole would drop them: the system temp
    directory (two levels), the repository (and its data dir), the real home directory."""
    places = [
        (Path(tempfile.gettempdir()), 2),
        (REPO_DIR, 1),
        (REPO_DIR / "data", 3),
        (Path.home(), 1),
    ]
    hits: list[Path] = []
    for root, depth in places:
        if root.is_dir():
            hits.extend(_find_marked(root, depth))
    return hits


def _find_marked(root: Path, depth: int) -> list[Path]:
    hits: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return hits
    for entry in entries:
        if FILE_MARKER in entry.name:
            hits.append(Path(entry.path))
        elif depth > 1 and entry.is_dir(follow_symlinks=False):
            hits.extend(_find_marked(Path(entry.path), depth - 1))
    return hits


def process_tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total_kb = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024

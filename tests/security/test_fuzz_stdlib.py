"""Property-based fuzzing of the standard-library modules (app.lang.stdlib).

Each program calls one member of math, random, functools, itertools or collections with a few
arguments drawn from a pool (huge and negative integers, floats, strings, containers, endless
iterators, functions the program may and may not call), then consumes the result twice in
ways C code would (``list``, ``"".join``, ``in``, ``sorted``, indexing, calling, repeating).
Whatever comes out, ``run_program`` must return or raise a ProgramError, quickly, under small
limits.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.lang import ProgramError, run_program
from app.lang.interpreter import Interpreter
from tests.security.test_fuzz import SMALL

pytestmark = pytest.mark.usefixtures("heap_cap")

DEADLINE_S = 3.0
_MODULES = Interpreter(SMALL).modules
_NAMES = ("math", "random", "functools", "itertools", "collections")
MEMBERS = [
    *sorted(f"{module}.{name}" for module in _NAMES for name in _MODULES[module].members()),
    "itertools.chain.from_iterable",
]
ARGUMENTS = [
    "0", "1", "-1", "3", "10**6", "10**12", "2**500", "2.5", "-1e308", "float('nan')", "'ab'",
    "'x y'", "[1, 2, 3]", "[]", "(1, 2)", "{'a': 1}", "None", "True", "itertools.count()",
    "itertools.repeat([])", "range(10)", "torch.ones(3)", "f", "g", "print", "node", "D", "C", "Q",
    "P", "[[1, 2], [3]]", "[(1, 2), (3, 4)]",
]  # fmt: skip
KEYWORDS = ["k", "repeat", "maxlen", "start", "initial", "fillvalue", "key", "weights", "r"]
CONSUMERS = [
    "x = r", "print(r)", "y = list(r)", "y = sorted(r)", "y = ''.join(r)", "y = r(1)", "y = r()",
    "y = [i for i in r]", "y = 1 in r", "y = len(r)", "y = r[0]", "y = r * 3", "y = r + r",
    "y = r(node)", "y = sum(r)", "y = torch.tensor(r)",
]  # fmt: skip
PRELUDE = """\
import math, random, functools, itertools, collections
import torch
def f(*a, **k):
    return 1
def g(a, b=2):
    return a + b
node = (torch.ones(1, requires_grad=True) * 2).grad_fn
D = collections.defaultdict(list)
C = collections.Counter('abca')
Q = collections.deque([1, 2], maxlen=5)
P = collections.namedtuple('P', 'x y')
"""

positional = st.lists(st.sampled_from(ARGUMENTS), max_size=3)
keyword = st.tuples(st.sampled_from(KEYWORDS), st.sampled_from(ARGUMENTS)).map("=".join)
calls = st.tuples(
    st.sampled_from(MEMBERS), positional, st.lists(keyword, max_size=1, unique=True)
).map(lambda c: f"r = {c[0]}({', '.join([*c[1], *c[2]])})")
programs = st.tuples(calls, st.lists(st.sampled_from(CONSUMERS), min_size=1, max_size=2)).map(
    lambda p: PRELUDE + "\n".join([p[0], *p[1]]) + "\n"
)


@settings(
    max_examples=300,
    deadline=None,  # DEADLINE_S is checked inside, with the program in the message
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(source=programs)
def test_stdlib_calls_end_in_a_result_or_a_program_error(source: str) -> None:
    started = time.perf_counter()
    with contextlib.suppress(ProgramError):
        run_program(source, SMALL)
    elapsed = time.perf_counter() - started
    assert elapsed < DEADLINE_S, f"took {elapsed:.1f} s:\n{source}"

"""Property-based fuzzing of the parser and the interpreter (hypothesis).

Programs come from a small grammar of allowed and refused constructs: expressions over ints,
floats, strings, lists, dicts and tensors; attribute names from the allowed tables, dunders and
frame attributes; calls of builtins, torch functions and methods; nesting; loops; functions and
classes; imports of modules allowed and not. Whatever comes out, ``run_program`` must return or
raise a ProgramError, never anything else, and never run long (small limits). Over HTTP, no
program may get a 5xx.
"""

from __future__ import annotations

import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import ProgramLimits
from app.lang import ProgramError, run_program
from tests.security.conftest import HostileServer

pytestmark = pytest.mark.usefixtures("heap_cap")

SMALL = ProgramLimits(
    max_steps=20_000,
    max_call_depth=16,
    max_tensor_elements=100_000,
    max_total_elements=1_000_000,
    max_sequence_length=10_000,
    max_int_bits=512,
    max_output_chars=10_000,
    max_plot_points=1_000,
)
# Seconds one fuzzed program may take under SMALL: hundreds of steps, small tensors.
DEADLINE_S = 3.0

NAMES = ["x", "y", "t", "L", "d", "m", "f", "s", "g"]
ATTRIBUTES = [
    # allowed on some type
    "shape", "T", "grad", "data", "grad_fn", "requires_grad", "sum", "mean", "view", "reshape",
    "repeat", "expand", "t", "numpy", "tolist", "item", "backward", "detach", "append", "extend",
    "sort", "keys", "items", "split", "join", "upper", "next_functions", "name", "metadata",
    "parameters", "modules", "weight", "forward", "state", "param_groups", "dtype", "diag",
    # refused everywhere
    "__class__", "__dict__", "__globals__", "__subclasses__", "__mro__", "__init__", "gi_frame",
    "f_globals", "f_back", "mro", "format", "format_map", "register_hook", "apply", "storage",
    "as_strided", "set_", "resize_", "ctypes", "tofile", "data_ptr", "variable", "_C", "os",
    "load", "save", "jit", "compile", "ops", "hub",
]  # fmt: skip
FUNCTIONS = [
    "print", "len", "abs", "min", "max", "sum", "sorted", "list", "tuple", "dict", "set", "range",
    "str", "repr", "int", "float", "bool", "type", "isinstance", "iter", "next", "map", "filter",
    "zip", "enumerate", "hash", "id", "pow", "divmod", "round", "reversed", "any", "all",
    "torch.ones", "torch.zeros", "torch.tensor", "torch.cat", "torch.stack", "torch.matmul",
    "torch.exp", "torch.relu", "torch.arange", "torch.randn", "torch.eye", "torch.diag",
    "torch.outer", "torch.kron", "torch.where", "torch.clamp", "torch.empty", "torch.randperm",
    "torch.nn.Linear", "torch.nn.functional.one_hot", "np.array", "np.ones", "np.empty",
    "math.sqrt", "getattr", "vars", "eval", "open", "__import__",
]  # fmt: skip
MODULES = ["torch", "numpy as np", "math", "torch.nn as nn", "matplotlib.pyplot as plt"]
# Refused before anything runs: rare, so that most programs run (the catalogue covers these).
REFUSED = [
    "import os", "import pickle", "import ctypes", "from torch import hub", "f = lambda: 1",
    "x = (1).__class__", "def g():\n    yield 1", "try:\n    pass\nexcept:\n    pass",
]  # fmt: skip
OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^"]
COMPARISONS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in", "is", "is not"]

integers = st.one_of(
    st.integers(-3, 12), st.sampled_from([2**31, 10**9, 10**12, -(10**6), 2**62])
).map(str)
floats = st.sampled_from(["0.5", "-1.25", "1e308", "1e-308", "float('nan')", "float('inf')"])
strings = st.sampled_from(["'a'", "'{0.__class__}'", "'%s%s'", "'x' * 3", "''", "'__class__'"])
tensors = st.sampled_from(
    [
        "torch.ones(3)",
        "torch.ones(2, 3, requires_grad=True)",
        "torch.tensor([1.0, float('nan')])",
        "torch.arange(6).view(2, 3)",
        "torch.zeros(1).expand(4)",
        "np.ones(3)",
    ]
)
atoms = st.one_of(integers, floats, strings, tensors, st.sampled_from([*NAMES, "None", "True"]))


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(inner, inner)
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(
            lambda p: f"({p[0]} {p[1]} {p[2]})"
        ),
        st.tuples(inner, st.sampled_from(COMPARISONS), inner).map(
            lambda p: f"({p[0]} {p[1]} {p[2]})"
        ),
        st.tuples(st.sampled_from(["-", "not ", "~"]), inner).map(lambda p: f"({p[0]}{p[1]})"),
        st.tuples(inner, st.sampled_from(ATTRIBUTES)).map(lambda p: f"({p[0]}).{p[1]}"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=3)).map(
            lambda p: f"{p[0]}({', '.join(p[1])})"
        ),
        st.tuples(inner, st.sampled_from(ATTRIBUTES), st.lists(inner, max_size=2)).map(
            lambda p: f"({p[0]}).{p[1]}({', '.join(p[2])})"
        ),
        st.tuples(inner, inner).map(lambda p: f"{p[0]}[{p[1]}]"),
        st.lists(inner, max_size=4).map(lambda items: f"[{', '.join(items)}]"),
        st.lists(inner, max_size=3).map(lambda items: f"({', '.join(items)},)"),
        pair.map(lambda p: f"{{{p[0]}: {p[1]}}}"),
        pair.map(lambda p: f"[{p[0]} for i in range(3) if {p[1]}]"),
        pair.map(lambda p: f"({p[0]} if {p[1]} else None)"),
        # an f-string over an atom (3.11 cannot nest f-strings with the same quotes)
        st.tuples(atoms, st.sampled_from(["", "!r", ":>5", ":.3", "!s:<4"])).map(
            lambda p: f'f"<{{{p[0]}{p[1]}}}>"'
        ),
        inner.map(lambda e: f"('%s' % ({e},))"),
        inner.map(lambda e: f"[{e}] * 3"),
        inner.map(lambda e: f"sorted([1, 2], key={e})"),
    )


expressions = st.recursive(atoms, _extend, max_leaves=12)


def _block(lines: list[str], indent: str = "    ") -> str:
    return "\n".join(indent + line for line in lines) or indent + "pass"


# methods torch calls on a module by itself (forward from __call__, named_parameters after
# the program...), defined by the program
METHODS = st.sampled_from(["forward", "__init__", "extra_repr", "named_parameters", "train"])
simple_statements = st.one_of(
    st.tuples(st.sampled_from(NAMES), expressions).map(lambda p: f"{p[0]} = {p[1]}"),
    st.tuples(st.sampled_from(NAMES), st.sampled_from(OPERATORS), expressions).map(
        lambda p: f"{p[0]} {p[1]}= {p[2]}"
    ),
    st.tuples(st.sampled_from(NAMES), st.sampled_from(ATTRIBUTES), expressions).map(
        lambda p: f"{p[0]}.{p[1]} = {p[2]}"
    ),
    expressions.map(lambda e: f"print({e})"),
    expressions,
    st.sampled_from(MODULES).map(lambda m: f"import {m}"),
    st.sampled_from(["del x", "pass", "x.backward()", "assert x, L"]),
)
statements = st.one_of(
    simple_statements,
    st.tuples(expressions, st.lists(simple_statements, min_size=1, max_size=3)).map(
        lambda p: f"for i in {p[0]}:\n{_block(p[1])}"
    ),
    st.tuples(expressions, st.lists(simple_statements, min_size=1, max_size=3)).map(
        lambda p: f"while {p[0]}:\n{_block(p[1])}"
    ),
    st.tuples(expressions, st.lists(simple_statements, min_size=1, max_size=3)).map(
        lambda p: f"if {p[0]}:\n{_block(p[1])}"
    ),
    st.lists(simple_statements, min_size=1, max_size=3).map(
        lambda body: f"def f(x=1, *a, **k):\n{_block(body)}\n    return f(x)"
    ),
    st.tuples(METHODS, st.lists(simple_statements, min_size=1, max_size=2)).map(
        lambda p: f"class M(torch.nn.Module):\n    def {p[0]}(self, *a):\n"
        f"{_block(p[1], '        ')}\nm = M()"
    ),
    st.lists(simple_statements, min_size=1, max_size=2).map(
        lambda body: f"with torch.no_grad():\n{_block(body)}"
    ),
)  # fmt: skip
PRELUDE = (
    "import torch\nimport numpy as np\nimport math\n"
    "x = torch.ones(2, requires_grad=True)\ny = x * 2\nt = (1, 2)\nL = [1, 2, 3]\nd = {'a': 1}\n"
    "m = torch.nn.Linear(2, 2)\ns = 'ab'\ng = y.sum().grad_fn\n"
)
programs = st.lists(
    st.one_of(*[statements] * 9, st.sampled_from(REFUSED)), min_size=1, max_size=6
).map(lambda lines: "\n".join(lines))


def run_fuzzed(source: str) -> None:
    started = time.perf_counter()
    try:
        run_program(source, SMALL)
    except ProgramError as error:
        assert error.type in {"syntax", "not_allowed", "limit", "runtime"}, error
        assert isinstance(error.message, str) and error.message
    elapsed = time.perf_counter() - started
    assert elapsed < DEADLINE_S, f"took {elapsed:.1f} s:\n{source}"


FUZZ_SETTINGS = settings(
    max_examples=300,
    deadline=None,  # DEADLINE_S is checked inside, with the program in the message
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same programs every run: a failure here is reproducible
)


@FUZZ_SETTINGS
@given(body=programs)
def test_grammar_programs_end_in_a_result_or_a_program_error(body: str) -> None:
    run_fuzzed(PRELUDE + body)


@settings(FUZZ_SETTINGS, max_examples=150)
@given(source=st.text(max_size=300))
def test_arbitrary_text_is_parsed_or_refused(source: str) -> None:
    run_fuzzed(source)


@settings(FUZZ_SETTINGS, max_examples=100)
@given(
    source=st.lists(
        st.sampled_from(list("()[]{}-+~*not lambda:.,'\"\\\n\t 0x_=@%if else for in")),
        max_size=400,
    ).map("".join)
)
def test_token_soup_is_parsed_or_refused(source: str) -> None:
    run_fuzzed(source)


@settings(FUZZ_SETTINGS, max_examples=30)
@given(body=programs)
def test_grammar_programs_never_get_a_5xx_over_http(
    body: str, hostile_server: HostileServer
) -> None:
    response = httpx.post(
        f"{hostile_server.url}/api/graph",
        json={"source": PRELUDE + body, "render_svg": False},
        timeout=60,
    )
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}\n{body}"
    if response.status_code != 200:
        error = response.json()["error"]
        assert error["type"] in {"syntax", "not_allowed", "limit", "runtime", "timeout"}, error

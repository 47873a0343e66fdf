"""The standard library a program imports (app.lang.stdlib) behaves as CPython's does.

Most tests run one program twice, through ``run_program`` and through CPython's own ``exec``,
and compare what they print. The hostile side (limits, refusals) is in
tests/security/hostile_programs.py (family "stdlib").
"""

from __future__ import annotations

import contextlib
import io
import math
import random
import textwrap

import pytest

from app.config import ProgramLimits
from app.lang import ProgramError, run_program
from app.lang.interpreter import Interpreter


def ours(source: str, **limits: int) -> str:
    return run_program(textwrap.dedent(source), ProgramLimits(**limits)).stdout


def cpython(source: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(textwrap.dedent(source), {"__name__": "__main__"})
    return out.getvalue()


SAME_AS_CPYTHON = {
    "math_constants": """
        import math
        print(math.pi, math.e, math.tau, math.inf, -math.inf, math.isnan(math.nan))
    """,
    "math_pure": """
        import math
        print(math.sqrt(2), math.exp(1.5), math.log(10), math.log(8, 2), math.log2(1024))
        print(math.log10(1e-3), math.log1p(1e-9), math.expm1(1e-9), math.sin(1), math.cos(1))
        print(math.tan(1), math.asin(0.5), math.acos(0.5), math.atan(2), math.atan2(1, -1))
        print(math.sinh(1), math.cosh(1), math.tanh(1), math.asinh(1), math.acosh(2))
        print(math.atanh(0.5), math.floor(-2.5), math.ceil(-2.5), math.trunc(-2.5))
        print(math.fabs(-3), math.hypot(3, 4, 12), math.degrees(1), math.radians(180))
        print(math.copysign(2, -0.0), math.fmod(7, -3), math.frexp(40.0), math.modf(-3.25))
        print(math.ldexp(0.5, 4), math.pow(2, 0.5), math.erf(0.5), math.erfc(0.5))
        print(math.gamma(4.5), math.lgamma(100), math.isqrt(10**30 + 7), math.remainder(7, 4))
        print(math.isclose(1.0, 1.0 + 1e-10), math.isfinite(1e308), math.isinf(-math.inf))
        print(math.cbrt(27), math.exp2(10), math.nextafter(1.0, 2.0), math.ulp(1.0))
    """,
    "math_integers": """
        import math
        print(math.factorial(0), math.factorial(25), math.factorial(400) % 1000003)
        print(math.comb(10, 3), math.comb(52, 5), math.comb(3, 5), math.comb(1000, 500) % 97)
        print(math.comb(10**30, 2), math.perm(5), math.perm(10, 3), math.perm(3, 4))
        print(math.perm(10**20, 3), math.gcd(), math.gcd(12, 18, 30), math.lcm(4, 6, 10))
        print(math.lcm(), math.lcm(0, 5), math.lcm(-4, 6), math.gcd(-4, 6))
    """,
    "math_sums": """
        import math
        print(math.prod([1, 2, 3, 4]), math.prod([]), math.prod([2.5, 4], start=3))
        print(math.prod(range(1, 30)), math.fsum([0.1] * 10), sum([0.1] * 10))
        print(math.dist([0, 0], [3, 4]), math.dist((1, 2, 3), (4, 6, 3)))
        print(math.prod(x for x in [1, 2, 3]), math.fsum(x / 10 for x in range(10)))
    """,
    "random_seeded": """
        import random
        random.seed(12345)
        print(random.random(), random.uniform(2, 5), random.randint(1, 100))
        print(random.randrange(10), random.randrange(5, 50, 5), random.choice("abcdef"))
        print(random.choices([1, 2, 3], k=5), random.choices("ab", weights=[1, 9], k=4))
        print(random.choices(range(4), cum_weights=[1, 2, 3, 10], k=3))
        print(random.sample(range(100), 5), random.sample(["a", "b", "c"], 2))
        print(random.sample(["x", "y"], 3, counts=[2, 1]))
        items = list(range(10))
        random.shuffle(items)
        print(items, random.gauss(0, 1), random.normalvariate(1, 2))
        print(random.lognormvariate(0, 1), random.expovariate(2), random.betavariate(2, 3))
        print(random.gammavariate(0.5, 1), random.gammavariate(3, 2), random.triangular(0, 1))
        print(random.vonmisesvariate(1, 4), random.paretovariate(3), random.weibullvariate(1, 2))
        print(random.getrandbits(100))
        state = random.getstate()
        first = random.random()
        random.setstate(state)
        print(first == random.random())
        random.seed("text seed")
        print(random.random())
    """,
    "random_instances": """
        import random
        r = random.Random(7)
        s = random.Random(7)
        print(r.random() == s.random(), r.randint(0, 10**6), s.randint(0, 10**6))
        r.seed(3)
        print(r.sample(range(20), 4), r.choices(["a", "b"], k=3), r.getrandbits(70))
        t = random.Random()
        t.setstate(r.getstate())
        print(t.random() == r.random())
    """,
    "functools": """
        import functools
        from functools import partial, reduce
        def power(base, exp=2):
            return base ** exp
        square = partial(power, exp=2)
        cube = partial(power, exp=3)
        print(square(7), cube(3), cube(2, exp=5), partial(power, 2)(10))
        twice = partial(partial(power, 3), exp=4)
        print(twice(), twice.args, twice.keywords)
        def add(a, b):
            return a + b
        print(reduce(add, [1, 2, 3, 4]), reduce(add, [], 10), reduce(add, ["a", "b"], "c"))
        def compare(a, b):
            return (a % 3) - (b % 3)
        print(sorted(range(10), key=functools.cmp_to_key(compare)))
        def slow_fib(n):
            if n < 2:
                return n
            return fast_fib(n - 1) + fast_fib(n - 2)
        fast_fib = functools.lru_cache(maxsize=None)(slow_fib)
        print(fast_fib(60))
        cached = functools.cache(power)
        print(cached(3), cached(3), functools.lru_cache(power)(5))
    """,
    "itertools_infinite": """
        import itertools
        from itertools import count, cycle, repeat
        print(list(itertools.islice(count(), 5)), list(itertools.islice(count(10, 2.5), 3)))
        print(list(itertools.islice(cycle("abc"), 7)), list(repeat("x", 3)))
        print(list(zip(range(3), repeat(0))), list(itertools.islice(repeat(1), 2)))
    """,
    "itertools_finite": """
        import itertools as it
        print(list(it.chain([1, 2], (3,), "ab")), list(it.chain.from_iterable([[1], [2, 3]])))
        print(list(it.islice(range(20), 2, 15, 3)), list(it.islice("abcdef", 4)))
        print(list(it.accumulate([1, 2, 3, 4])), list(it.accumulate([1, 2, 3], initial=10)))
        def mul(a, b):
            return a * b
        print(list(it.accumulate([1, 2, 3, 4], mul)), list(it.accumulate(["a", "b", "c"])))
        print(list(it.zip_longest("abc", [1], fillvalue="-")), list(it.pairwise("abcd")))
        print([(k, list(g)) for k, g in it.groupby("aaabbcaa")])
        def parity(x):
            return x % 2
        print([(k, list(g)) for k, g in it.groupby([1, 3, 2, 4, 5], parity)])
        def small(x):
            return x < 3
        print(list(it.takewhile(small, [1, 2, 3, 1])), list(it.dropwhile(small, [1, 2, 3, 1])))
        print(list(it.filterfalse(small, range(6))), list(it.filterfalse(None, [0, 1, "", "a"])))
        print(list(it.compress("abcdef", [1, 0, 1, 0, 1, 1])), list(it.starmap(pow, [(2, 5)])))
        a, b = it.tee([1, 2, 3])
        print(list(a), list(b), it.tee([1], 0))
    """,
    "itertools_combinatorics": """
        from itertools import product, permutations, combinations
        from itertools import combinations_with_replacement
        print(list(product("ab", [1, 2])), list(product([0, 1], repeat=3)), list(product()))
        print(list(permutations([1, 2, 3])), list(permutations("abc", 2)))
        print(list(combinations(range(5), 3)), list(combinations_with_replacement("ab", 3)))
        print(len(list(product(range(10), repeat=4))), list(combinations([1], 2)))
    """,
    "collections": """
        import collections
        from collections import OrderedDict, defaultdict, Counter, deque, namedtuple
        od = OrderedDict([("b", 1), ("a", 2)])
        od["c"] = 3
        od.move_to_end("b")
        print(od, list(od.keys()), od.popitem(), od.popitem(last=False), od)
        od.update({"z": 0}, y=1)
        od.update([("w", 5)])
        print(od, od.copy(), OrderedDict(zip("ab", [1, 2])), OrderedDict(x=1) == {"x": 1})
        groups = defaultdict(list)
        for word in ["apple", "avocado", "banana"]:
            groups[word[0]].append(word)
        print(dict(groups), groups["z"], sorted(groups))
        counts = defaultdict(int)
        for ch in "hello":
            counts[ch] += 1
        print(dict(counts), counts.get("q"), len(counts.copy()))
        c = Counter("abracadabra")
        print(c, c.most_common(2), c["z"], sorted(c.elements()), c.total())
        c.update("aaz")
        c.subtract({"a": 10})
        print(c, c + Counter("b"), c - Counter("b"), Counter(a=3) | Counter(a=1, b=2))
        print(Counter(a=3) & Counter(a=1, b=2), +Counter(a=-1, b=1), -Counter(a=-1))
        print((c + c).most_common(1))
        d = deque([1, 2, 3])
        d.append(4)
        d.appendleft(0)
        d.extend([5, 6])
        d.extendleft("ab")
        d.rotate(2)
        print(d, d.pop(), d.popleft(), len(d), d.count(1), d.index(3), d.maxlen)
        d.rotate(-1)
        d.insert(1, "x")
        d.remove("x")
        d.reverse()
        print(d, list(d), d[0], d[-1], 3 in d, d + deque([9]), d * 2)
        window = deque(maxlen=3)
        for i in range(6):
            window.append(i)
        print(window, window.maxlen, deque(range(10), 2), deque("abc", maxlen=5) * 3)
        Point = namedtuple("Point", "x y")
        p = Point(1, y=2)
        print(p, p.x, p.y, p[0], p == (1, 2), tuple(p), Point(*[3, 4]))
        Row = collections.namedtuple("Row", ["a", "b", "c"], defaults=[0])
        print(Row(1, 2), Row(1, 2, 3).c, len(Row(1, 2)), Row(1, 2).count(2))
    """,
    "dqn_replay_memory": """
        import math
        import random
        from collections import deque, namedtuple
        import torch
        random.seed(0)
        Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))
        memory = deque([], maxlen=5)
        for i in range(10):
            memory.append(Transition(torch.ones(1, 2) * i, i, None, 1.0))
        batch = Transition(*zip(*random.sample(memory, 3)))
        print(torch.cat(batch.state).tolist(), batch.action, len(memory), memory[-1].action)
        print(math.exp(-1.0 * 10 / 200), random.random() > 0.5)
    """,
    "decorators_and_lambdas": """
        import collections
        import functools
        import itertools
        @functools.lru_cache(maxsize=None)
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)
        @functools.cache
        def square(n):
            return n * n
        @functools.lru_cache
        def cube(n):
            return n ** 3
        print(fib(40), square(9), square(9), cube(3))
        print(sorted([3, 1, 2], key=functools.cmp_to_key(lambda a, b: b - a)))
        print(functools.reduce(lambda a, b: a * b, range(1, 6)), functools.partial(max, 3)(1))
        d = collections.defaultdict(lambda: "x")
        print(d[1], dict(d), list(itertools.starmap(lambda a, b: a + b, [(1, 2)])))
        print(list(itertools.accumulate([1, 2, 3], lambda a, b: a * b)))
        print([(k, len(list(g))) for k, g in itertools.groupby([1, 3, 2], key=lambda v: v % 2)])
        def gen():
            yield 1
            yield 2
        print(list(itertools.chain(gen(), gen())), collections.Counter(gen()))
        try:
            collections.namedtuple("P", "x y")(1)
        except TypeError as error:
            print("TypeError", error)
    """,
    "defaultdict_repr": """
        from collections import defaultdict
        print(defaultdict(list, a=[1]), defaultdict(set), defaultdict(dict), defaultdict(int))
        print(defaultdict(None, {1: 2}), defaultdict(tuple))
    """,
}


@pytest.mark.parametrize("name", sorted(SAME_AS_CPYTHON))
def test_prints_what_cpython_prints(name: str) -> None:
    source = SAME_AS_CPYTHON[name]
    assert ours(source) == cpython(source)


def test_math_exposes_every_constant_and_function_of_cpython() -> None:
    namespace = Interpreter(ProgramLimits()).modules["math"]
    public = {name for name in dir(math) if not name.startswith("_")}
    assert set(namespace.members()) == public
    bounded = {"factorial", "comb", "perm", "lcm", "gcd", "prod", "fsum", "dist"}
    for name in public - bounded:  # CPython's own objects: same results, same errors
        assert namespace.member(name) is getattr(math, name), name


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("math.factorial(-1)", "ValueError: factorial() not defined for negative values"),
        ("math.factorial(2.5)", "TypeError"),
        ("math.comb(-1, 2)", "ValueError"),
        ("math.comb(2.0, 1)", "TypeError"),
        ("math.perm(5, -1)", "ValueError"),
        ("math.lcm(1.5, 2)", "TypeError"),
        ("math.sqrt(-1)", "ValueError: math domain error"),
        ("math.exp(1000)", "OverflowError: math range error"),
        ("math.pow(10, 400)", "OverflowError"),
        ("math.prod(5)", "TypeError"),
    ],
)
def test_math_errors_are_cpythons(call: str, error: str) -> None:
    with pytest.raises(ProgramError) as info:
        ours(f"import math\nx = {call}\n")
    assert info.value.type == "runtime"
    assert info.value.message.startswith(error), info.value.message


def test_math_results_just_under_the_int_limit_are_computed() -> None:
    # 2**4096 has 4097 bits: factorial(600) has 4793 bits, factorial(500) 3767
    assert ours("import math\nprint(math.factorial(500) == math.prod(range(1, 501)))\n") == (
        "True\n"
    )
    assert ours("import math\nprint(math.comb(4000, 2000) > 0)\n") == "True\n"
    with pytest.raises(ProgramError) as info:
        ours("import math\nx = math.comb(5000, 2500)\n")
    assert info.value.limit == "max_int_bits"


def test_a_seeded_run_repeats_cpythons_sequence() -> None:
    expected = random.Random(2024)
    values = [expected.random() for _ in range(3)] + [expected.randint(1, 6) for _ in range(3)]
    out = ours(
        """
        import random
        random.seed(2024)
        print([random.random() for i in range(3)] + [random.randint(1, 6) for i in range(3)])
        """
    )
    assert out == f"{values}\n"


def test_random_is_private_to_a_run_and_never_the_global_one() -> None:
    random.seed(99)
    before = random.getstate()
    program = "import random\nrandom.seed(1)\nprint(random.random())\n"
    first = ours(program)
    assert random.getstate() == before, "the program moved the process's random state"
    assert first == f"{random.Random(1).random()}\n"
    # unseeded runs start from os.urandom: two runs do not share a sequence, and a seed
    # given by one run is not the next run's
    unseeded = "import random\nprint(random.random(), random.getrandbits(64))\n"
    assert ours(unseeded) != ours(unseeded)
    assert ours(unseeded) != first
    assert random.getstate() == before


def test_random_random_instances_are_private_and_bounded() -> None:
    out = ours(
        """
        import random
        r = random.Random(5)
        random.seed(5)
        print(r.random() == random.random(), type(r) == type(random.Random()))
        """
    )
    assert out == "True True\n"
    with pytest.raises(ProgramError) as info:
        ours("import random\nr = random.Random(1)\nx = r.sample([1, 2], 10**7)\n")
    assert info.value.limit == "max_sequence_length"


def test_itertools_results_are_iterators_counted_per_item() -> None:
    source = """
        import itertools
        total = 0
        for i in itertools.repeat(1, 500):
            total += i
        print(total)
    """
    assert ours(source, max_steps=3_000) == "500\n"
    with pytest.raises(ProgramError) as info:
        ours(source, max_steps=1_000)  # the loop's own steps, and the items given
    assert info.value.limit == "max_steps"


def test_a_huge_maxlen_is_only_a_bound() -> None:
    out = ours(
        "import collections\nd = collections.deque('ab', maxlen=10**12)\nprint(d.maxlen, d)\n"
    )
    assert out == "1000000000000 deque(['a', 'b'], maxlen=1000000000000)\n"


def test_callbacks_of_the_stdlib_run_under_the_guard() -> None:
    """Functions handed to reduce, partial, defaultdict, starmap... meet every check."""
    programs = [
        "import functools\nimport torch\np = functools.partial(torch.zeros, 10**5)\nx = p(10**5)",
        "import functools\nimport torch\nx = functools.reduce(torch.zeros, [10**5, 10**5])",
        "import itertools\nimport torch\nx = list(itertools.starmap(torch.ones, [(10**5, 10**5)]))",
        "import collections\nimport torch\ndef big():\n    return torch.ones(10**5, 10**5)\n"
        "d = collections.defaultdict(big)\nx = d[1]",
    ]
    for source in programs:
        with pytest.raises(ProgramError) as info:
            ours(source)
        assert info.value.limit == "max_tensor_elements", source


def test_zip_and_enumerate_objects_go_to_the_builtins_and_stdlib() -> None:
    out = ours(
        """
        from collections import OrderedDict, Counter
        print(list(zip([1, 2], "ab")), dict(zip("ab", [1, 2])), sorted(enumerate("ba")))
        print(OrderedDict(zip("xy", [1, 2])), Counter(zip("aa", "bb")))
        """
    )
    assert out == (
        "[(1, 'a'), (2, 'b')] {'a': 1, 'b': 2} [(0, 'b'), (1, 'a')]\n"
        "OrderedDict([('x', 1), ('y', 2)]) Counter({('a', 'b'): 2})\n"
    )


def test_the_attributes_of_stdlib_objects() -> None:
    out = ours(
        """
        import collections, functools, itertools
        P = collections.namedtuple("P", "x y")
        def f(a, b=1):
            return a
        p = functools.partial(f, 1, b=2)
        print(P(1, 2).x, p.args, p.keywords, p.func(3), p)
        d = collections.defaultdict(f)
        print(d.default_factory(4), collections.deque(maxlen=2).maxlen)
        """
    )
    assert out == "1 (1,) {'b': 2} 3 functools.partial(<function f>, 1, b=2)\n4 2\n"
    for source, word in [
        ("import itertools\nx = itertools.count().gi_frame", "gi_frame"),
        ("import collections\nP = collections.namedtuple('P', 'x')\ny = P(1)._asdict()", "_asdict"),
        ("import collections\nP = collections.namedtuple('P', 'x')\ny = P.x", "x"),
        ("import random\nx = random.Random(1).randbytes(3)", "randbytes"),
        ("import collections\nx = collections.Counter().fromkeys([1])", "fromkeys"),
    ]:
        with pytest.raises(ProgramError) as info:
            ours(source)
        assert info.value.type == "not_allowed" and word in info.value.message, source

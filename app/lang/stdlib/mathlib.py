"""``math`` for one run: CPython's own functions, with the few that can be made to work for
minutes (or to build an integer of gigabytes) refused first.

The pure functions are CPython's, by identity: same results, same errors. ``factorial``,
``comb``, ``perm`` and ``lcm`` estimate the size of their integer result and refuse it beyond
``max_int_bits`` before computing anything; ``prod`` multiplies through the interpreter (its
growth checked, its loop counted); ``fsum`` and ``dist`` take their iterables through the
counted iteration.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

from app.lang.errors import LimitExceeded
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host

CONSTANTS = ("e", "inf", "nan", "pi", "tau")
PURE = """
acos acosh asin asinh atan atan2 atanh cbrt ceil copysign cos cosh degrees erf erfc exp exp2
expm1 fabs floor fmod frexp gamma hypot isclose isfinite isinf isnan isqrt ldexp lgamma log
log10 log1p log2 modf nextafter pow radians remainder sin sinh sqrt tan tanh trunc ulp
""".split()

_LN2 = math.log(2)


def math_namespace(interp: Host) -> Namespace:
    limits = interp.limits

    def refuse_bits(bits: float, what: str) -> None:
        if bits > limits.max_int_bits:
            raise LimitExceeded(
                "max_int_bits",
                limits.max_int_bits,
                f"the integer result of math.{what} would have about {bits:.3g} bits",
            )

    # Each takes its integers once, through operator.index (CPython's TypeError for a float),
    # and hands CPython those ints: an object of the program's whose __index__ answered
    # small to the check could answer huge to the computation.

    def factorial(n: Any) -> int:
        value = operator.index(n)
        if value > 1:
            # log2(n!) = lgamma(n + 1) / ln 2; an n past 2**64 needs no estimate
            bits = math.inf if value.bit_length() > 64 else math.lgamma(value + 1) / _LN2
            refuse_bits(bits, "factorial()")
        return math.factorial(value)

    def falling_bits(n: int, k: int) -> float:
        """log2 of n (n-1) ... (n-k+1), for 0 <= k <= n and k within the bit limit."""
        return sum(math.log2(n - i) for i in range(k))

    def comb(n: Any, k: Any) -> int:
        top, chosen = operator.index(n), operator.index(k)
        if 0 <= chosen <= top:
            pick = min(chosen, top - chosen)
            # C(n, k) >= 2**k when n >= 2k: past the limit there is nothing to sum
            if pick > limits.max_int_bits:
                refuse_bits(math.inf, "comb()")
            bits = falling_bits(top, pick) - sum(math.log2(i) for i in range(2, pick + 1))
            refuse_bits(bits, "comb()")
        return math.comb(top, chosen)

    def perm(n: Any, k: Any = None) -> int:
        if k is None:
            return factorial(n)
        top, pick = operator.index(n), operator.index(k)
        if 0 <= pick <= top:
            if pick > limits.max_int_bits + 1:  # n!/(n-k)! >= k! >= 2**(k-1)
                refuse_bits(math.inf, "perm()")
            refuse_bits(falling_bits(top, pick), "perm()")
        return math.perm(top, pick)

    def lcm(*integers: Any) -> int:
        interp.tick(len(integers))
        values = [operator.index(v) for v in integers]
        result = 1
        for value in values:
            if result == 0 or value == 0:
                result = 0
                continue
            shared = math.gcd(result, value)
            refuse_bits((abs(result) // shared).bit_length() + abs(value).bit_length(), "lcm()")
            result = math.lcm(result, value)
        return result

    def gcd(*integers: Any) -> int:
        interp.tick(len(integers))
        return math.gcd(*[operator.index(v) for v in integers])

    def prod(iterable: Any, /, *, start: Any = 1) -> Any:
        result = start
        for item in interp.iterate(iterable):
            result = interp.binary("*", result, item)
        return result

    def fsum(iterable: Any, /) -> float:
        return math.fsum(interp.iterate(iterable))

    def dist(p: Any, q: Any, /) -> float:
        p = p if isinstance(p, tuple) else tuple(interp.iterate(p))
        q = q if isinstance(q, tuple) else tuple(interp.iterate(q))
        return math.dist(p, q)

    members: dict[str, Any] = {name: getattr(math, name) for name in CONSTANTS + tuple(PURE)}
    members |= {
        "factorial": factorial,
        "comb": comb,
        "perm": perm,
        "lcm": lcm,
        "gcd": gcd,
        "prod": prod,
        "fsum": fsum,
        "dist": dist,
    }
    for name, function in members.items():
        if callable(function) and function.__module__ == __name__:
            function.__name__ = function.__qualname__ = name
    return Namespace("math", members)

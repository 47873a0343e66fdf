"""``random`` for one run: a private ``random.Random``, never the process's global one.

``random.seed(0)`` reseeds the run's own instance, so two runs never share a sequence and the
worker's global ``random`` is never touched. ``random.Random(...)`` makes more instances of the
same private class. The methods that can be asked for huge work are bounded first: ``sample``
and ``choices`` by ``max_sequence_length`` (and counted), ``shuffle`` counted by its length,
``getrandbits`` by ``max_int_bits``. Everything else is CPython's own code, with the same
sequence for the same seed.
"""

from __future__ import annotations

import operator
import random
from typing import TYPE_CHECKING, Any

from app.lang.errors import LimitExceeded, NotAllowed
from app.lang.stdlib.values import is_array
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host

FUNCTIONS = """
seed random uniform randint randrange choice choices sample shuffle gauss normalvariate
lognormvariate expovariate betavariate gammavariate triangular vonmisesvariate paretovariate
weibullvariate getrandbits getstate setstate
""".split()


class BoundedRandom(random.Random):
    """random.Random with its costly methods bounded. A run gets a subclass holding its
    interpreter (``_interp``), so instances made by ``copy`` or by the program stay bound."""

    _interp: Host
    gradtrace_attributes = frozenset(FUNCTIONS)

    def _check_count(self, count: Any, what: str) -> None:
        limit = self._interp.limits.max_sequence_length
        if isinstance(count, int) and count > limit:
            raise LimitExceeded(
                "max_sequence_length", limit, f"{what} of {count} items is too long"
            )
        if isinstance(count, int) and count > 0:
            self._interp.tick(count)

    def getrandbits(self, k: int, /) -> int:
        k = operator.index(k)  # once: the program's __index__ answers the check and the call
        limit = self._interp.limits.max_int_bits
        if k > limit:
            raise LimitExceeded(
                "max_int_bits", limit, f"random.getrandbits({k}) would be too large an integer"
            )
        return super().getrandbits(k)

    def _numbers(self, values: Any, what: str) -> list[Any]:
        """``values`` read counted; CPython sums them in C, so no tensor of many elements."""
        items = list(self._interp.iterate(iter(values)))
        for item in items:
            if is_array(item):
                raise NotAllowed(f"random: {what} must be numbers, not arrays of them")
        return items

    def sample(self, population: Any, k: Any, *, counts: Any = None) -> list[Any]:
        k = operator.index(k)
        self._check_count(k, "a sample")
        if counts is not None:
            counts = self._numbers(counts, "counts")
        return super().sample(population, k, counts=counts)

    def choices(
        self, population: Any, weights: Any = None, *, cum_weights: Any = None, k: Any = 1
    ) -> list[Any]:
        k = operator.index(k)
        self._check_count(k, "a list of choices")
        if weights is not None:
            weights = self._numbers(weights, "weights")
        if cum_weights is not None:
            cum_weights = self._numbers(cum_weights, "cum_weights")
        return super().choices(population, weights, cum_weights=cum_weights, k=k)

    def shuffle(self, x: Any) -> None:
        self._interp.tick(len(x))
        super().shuffle(x)

    def __repr__(self) -> str:
        return "<random.Random object>"


def random_class(interp: Host) -> type[BoundedRandom]:
    """The run's own ``random.Random``."""
    return type("Random", (BoundedRandom,), {"_interp": interp, "__module__": __name__})


def random_namespace(interp: Host) -> Namespace:
    cls = random_class(interp)
    instance = cls()  # seeded from os.urandom, like the global one at start-up
    members: dict[str, Any] = {name: getattr(instance, name) for name in FUNCTIONS}
    members["Random"] = cls
    return Namespace("random", members)

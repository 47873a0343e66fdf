"""``itertools`` for one run: CPython's iterators, fenced in on both sides.

An itertools object runs in C: ``islice`` or ``filterfalse`` skip items in a loop of their own,
``product`` and ``cycle`` store their inputs, and C consumers (``"".join``, ``list.extend``,
``x in it``) pull from them without the interpreter's loop. So here

- every iterable handed to CPython's itertools is wrapped in the run's counted iteration
  (``Host.iterate``): each item it takes costs a step, however deep in C it is taken;
- every iterator handed back to the program is a ``Stream``, which costs a step (or, for
  the tuples of ``product`` and the combinatorics, a step per element) per item it gives,
  whoever pulls it: ``"".join(count())`` and ``sorted(repeat(1))`` meet ``max_steps``;
- functions the program passes (``starmap``, ``accumulate``, predicates, keys) are called
  through ``Host.call``, like a call the program wrote;
- sizes C allocates up front (``product(..., repeat=n)``, ``combinations(p, r)``,
  ``tee(it, n)``) are bounded by ``max_sequence_length`` before the call.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from app.lang.errors import LimitExceeded
from app.lang.stdlib.values import check_callback
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host


class Stream:
    """An iterator given to a program: each item costs ``weight`` steps, whoever pulls it."""

    __slots__ = ("_interp", "_items", "_name", "_weight")

    def __init__(self, interp: Host, name: str, items: Iterator[Any], weight: int = 1):
        self._interp = interp
        self._name = name
        self._items = items
        self._weight = max(1, weight)

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> Any:
        self._interp.tick(self._weight)
        return next(self._items)

    def __repr__(self) -> str:
        return f"<itertools.{self._name} object>"


class Chain:
    """``itertools.chain``: callable, with ``chain.from_iterable``."""

    gradtrace_attributes = frozenset({"from_iterable"})

    def __init__(self, interp: Host):
        self._interp = interp

    def __call__(self, *iterables: Any) -> Stream:
        return self.from_iterable(iterables)

    def from_iterable(self, iterable: Any, /) -> Stream:
        interp = self._interp
        sources = (_counted(interp, inner) for inner in _counted(interp, iterable))
        return Stream(interp, "chain", itertools.chain.from_iterable(sources))

    def __repr__(self) -> str:
        return "<class 'itertools.chain'>"


def _counted(interp: Host, iterable: Any) -> Iterator[Any]:
    """``iterable``'s items, a step each; not iterable raises TypeError now, as CPython does."""
    return interp.iterate(iter(iterable))


def itertools_namespace(interp: Host) -> Namespace:
    limits = interp.limits

    def counted(iterable: Any) -> Iterator[Any]:
        return _counted(interp, iterable)

    def stored(iterable: Any) -> tuple[Any, ...]:
        items = tuple(counted(iterable))
        _check_size(len(items), "an input")
        return items

    def _check_size(count: Any, what: str) -> None:
        if isinstance(count, int) and count > limits.max_sequence_length:
            raise LimitExceeded(
                "max_sequence_length",
                limits.max_sequence_length,
                f"{what} of {count} items is too long",
            )

    def function(value: Any) -> Callable[..., Any]:
        check_callback(interp, value)

        def call(*args: Any) -> Any:
            return interp.call(value, list(args), {})

        return call

    def optional(value: Any) -> Callable[..., Any] | None:
        return None if value is None else function(value)

    def stream(name: str, items: Iterator[Any], weight: int = 1) -> Stream:
        return Stream(interp, name, items, weight)

    def count(start: Any = 0, step: Any = 1) -> Stream:
        counter = itertools.count(start, step)  # CPython's checks of start and step
        if type(start) in _PLAIN_NUMBERS and type(step) in _PLAIN_NUMBERS:
            return stream("count", counter)
        # a tensor or array would be added to in C at every item, its results uncounted
        return stream("count", _adding(interp, start, step))

    def cycle(iterable: Any, /) -> Stream:
        return stream("cycle", itertools.cycle(counted(iterable)))

    def repeat(obj: Any, *times: Any) -> Stream:
        return stream("repeat", itertools.repeat(obj, *times))

    def islice(iterable: Any, /, *args: Any) -> Stream:
        return stream("islice", itertools.islice(counted(iterable), *args))

    def product(*iterables: Any, repeat: Any = 1) -> Stream:
        repeat = operator.index(repeat)  # once: see _size
        _check_size(len(iterables) * repeat, "a product")
        pools = [stored(pool) for pool in iterables]
        width = len(pools) * repeat
        return stream("product", itertools.product(*pools, repeat=repeat), width)

    def permutations(iterable: Any, r: Any = None) -> Stream:
        r = _size(r)
        _check_size(r, "a permutation")
        pool = stored(iterable)
        width = len(pool) if r is None else r
        return stream("permutations", itertools.permutations(pool, r), _weight(width))

    def combinations(iterable: Any, r: Any) -> Stream:
        r = _size(r)
        _check_size(r, "a combination")
        pool = stored(iterable)
        return stream("combinations", itertools.combinations(pool, r), _weight(r))

    def combinations_with_replacement(iterable: Any, r: Any) -> Stream:
        r = _size(r)
        _check_size(r, "a combination")
        pool = stored(iterable)
        items = itertools.combinations_with_replacement(pool, r)
        return stream("combinations_with_replacement", items, _weight(r))

    def accumulate(iterable: Any, func: Any = None, *, initial: Any = None) -> Stream:
        if func is None:

            def add(left: Any, right: Any) -> Any:
                return interp.binary("+", left, right)

            step: Callable[..., Any] = add
        else:
            step = function(func)
        return stream("accumulate", itertools.accumulate(counted(iterable), step, initial=initial))

    def zip_longest(*iterables: Any, fillvalue: Any = None) -> Stream:
        sources = [counted(source) for source in iterables]
        items = itertools.zip_longest(*sources, fillvalue=fillvalue)
        return stream("zip_longest", items, len(sources))

    def groupby(iterable: Any, key: Any = None) -> Stream:
        groups = itertools.groupby(counted(iterable), optional(key))
        items = ((value, stream("_grouper", group)) for value, group in groups)
        return stream("groupby", items)

    def starmap(func: Any, iterable: Any, /) -> Stream:
        return stream("starmap", itertools.starmap(function(func), counted(iterable)))

    def takewhile(predicate: Any, iterable: Any, /) -> Stream:
        return stream("takewhile", itertools.takewhile(function(predicate), counted(iterable)))

    def dropwhile(predicate: Any, iterable: Any, /) -> Stream:
        return stream("dropwhile", itertools.dropwhile(function(predicate), counted(iterable)))

    def filterfalse(predicate: Any, iterable: Any, /) -> Stream:
        items = itertools.filterfalse(optional(predicate), counted(iterable))
        return stream("filterfalse", items)

    def compress(data: Any, selectors: Any) -> Stream:
        return stream("compress", itertools.compress(counted(data), counted(selectors)))

    def pairwise(iterable: Any, /) -> Stream:
        return stream("pairwise", itertools.pairwise(counted(iterable)), 2)

    def tee(iterable: Any, n: Any = 2, /) -> tuple[Stream, ...]:
        n = _size(n)
        _check_size(n, "a tee")
        if isinstance(n, int) and n > 0:
            interp.tick(n)
        copies = itertools.tee(counted(iterable), n)
        return tuple(stream("_tee", copy) for copy in copies)

    members: dict[str, Any] = {
        "count": count,
        "cycle": cycle,
        "repeat": repeat,
        "chain": Chain(interp),
        "islice": islice,
        "product": product,
        "permutations": permutations,
        "combinations": combinations,
        "combinations_with_replacement": combinations_with_replacement,
        "accumulate": accumulate,
        "zip_longest": zip_longest,
        "groupby": groupby,
        "starmap": starmap,
        "takewhile": takewhile,
        "dropwhile": dropwhile,
        "filterfalse": filterfalse,
        "compress": compress,
        "pairwise": pairwise,
        "tee": tee,
    }
    return Namespace("itertools", members)


_PLAIN_NUMBERS = frozenset({int, float, complex, bool})


def _adding(interp: Host, value: Any, step: Any) -> Iterator[Any]:
    while True:
        yield value
        value = interp.binary("+", value, step)


def _size(value: Any) -> Any:
    """An int argument taken once through operator.index (CPython's TypeError for a float): an
    object of the program's whose __index__ answered small to the check could answer huge to
    CPython's allocation."""
    return None if value is None else operator.index(value)


def _weight(width: Any) -> int:
    return width if isinstance(width, int) else 1


def stream_of(interp: Host, name: str, items: Iterable[Any]) -> Stream:
    """A Stream of ``items`` for other modules (``Counter.elements()``)."""
    return Stream(interp, name, iter(items))

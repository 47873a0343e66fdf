"""``collections`` for one run: OrderedDict, defaultdict, Counter, deque and namedtuple.

The containers are CPython's, subclassed so that what CPython would do in C past the
interpreter's limits goes through the run instead:

- iterables they take in (constructors, ``update``, ``extend``...) are read through the counted
  iteration, so ``deque(itertools.count())`` or ``Counter(iter(range(10**12)))`` meet
  ``max_steps`` instead of looping in C;
- ``defaultdict``'s factory is checked like a callback and called through ``Host.call``
  (dict lookup calls ``__missing__`` from C);
- a deque's length is kept within ``max_sequence_length`` (``d * 10**9``, ``d.extend(d)``);
- ``Counter.elements()`` is a counted Stream.

Each run gets its own subclasses (they hold its interpreter in ``_interp``), so copies CPython
makes with ``type(self)(...)`` stay bound to it. ``namedtuple`` is CPython's (its generated
``__new__`` is built from validated identifiers only); fields are readable as attributes, the
'_' helpers (``_fields``, ``_asdict``...) stay private like every '_' name.
"""

from __future__ import annotations

import collections
import keyword
import operator
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.lang.errors import LimitExceeded, NotAllowed
from app.lang.stdlib.itertoolslib import stream_of
from app.lang.stdlib.values import check_callback, is_array, register
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host

MAX_FIELDS = 1_000
DICT_ATTRS = frozenset("keys values items get update pop setdefault copy clear".split())
ORDERED_DICT_ATTRS = DICT_ATTRS | {"move_to_end", "popitem"}
DEFAULTDICT_ATTRS = DICT_ATTRS | {"default_factory"}
COUNTER_ATTRS = DICT_ATTRS | {"most_common", "elements", "subtract", "total"}
DEQUE_ATTRS = frozenset(
    """
append appendleft pop popleft extend extendleft rotate maxlen clear copy count index insert
remove reverse
""".split()
)


def _pairs(interp: Host, other: Any) -> Any:
    """What ``dict.update`` takes: a mapping as it is, any other iterable read counted."""
    if isinstance(other, Mapping) or hasattr(other, "keys"):
        return other
    return list(interp.iterate(iter(other)))


class _Bound:
    """Mixed into each container class: the run it belongs to."""

    _interp: Host


class OrderedDict(_Bound, collections.OrderedDict):
    gradtrace_attributes = ORDERED_DICT_ATTRS

    def __init__(self, other: Any = (), /, **kwargs: Any):
        super().__init__()
        self.update(other, **kwargs)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        super().update(_pairs(self._interp, other), **kwargs)


class defaultdict(_Bound, collections.defaultdict):
    gradtrace_attributes = DEFAULTDICT_ATTRS

    def __init__(self, default_factory: Any = None, other: Any = (), /, **kwargs: Any):
        if default_factory is not None:
            if not callable(default_factory):
                raise TypeError("first argument must be callable or None")
            check_callback(self._interp, default_factory)
        super().__init__(default_factory)
        self.update(other, **kwargs)

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        super().update(_pairs(self._interp, other), **kwargs)

    def __missing__(self, key: Any) -> Any:
        if self.default_factory is None:
            raise KeyError(key)
        value = self._interp.call(self.default_factory, [], {})
        self[key] = value
        return value

    def __repr__(self) -> str:
        factory = self.default_factory
        name = getattr(factory, "__name__", "").rstrip("_")
        if name in ("list", "dict", "set", "tuple") and id(factory) in self._interp.builtin_ids:
            # our builtin list() (which counts its steps) stands for the class it makes
            return f"defaultdict(<class '{name}'>, {dict.__repr__(self)})"
        return super().__repr__()


def _counts(*mappings: Any) -> None:
    """Counter adds and compares its counts in Python code of CPython's, past the operator
    checks: a count may be a number, not a tensor of many elements."""
    for mapping in mappings:
        if isinstance(mapping, Mapping) and any(is_array(v) for v in mapping.values()):
            raise NotAllowed("a Counter's counts must be numbers, not tensors or arrays")


class Counter(_Bound, collections.Counter):
    gradtrace_attributes = COUNTER_ATTRS

    def update(self, iterable: Any = None, /, **kwargs: Any) -> None:
        if iterable is not None and not isinstance(iterable, Mapping):
            iterable = list(self._interp.iterate(iter(iterable)))
        _counts(self, iterable, kwargs)
        super().update(iterable, **kwargs)

    def subtract(self, iterable: Any = None, /, **kwargs: Any) -> None:
        if iterable is not None and not isinstance(iterable, Mapping):
            iterable = list(self._interp.iterate(iter(iterable)))
        _counts(self, iterable, kwargs)
        super().subtract(iterable, **kwargs)

    def total(self) -> Any:
        _counts(self)
        return super().total()

    def most_common(self, n: Any = None) -> list[tuple[Any, Any]]:
        _counts(self)
        return super().most_common(n)

    def elements(self) -> Any:
        return stream_of(self._interp, "chain", super().elements())

    def _own(self, result: Any) -> Any:
        """Counter's operators build a plain collections.Counter: give back one of ours."""
        if not isinstance(result, collections.Counter):
            return result
        own = type(self)()
        dict.update(own, result)
        return own

    def __add__(self, other: Any) -> Any:
        _counts(self, other)
        return self._own(super().__add__(other))

    def __sub__(self, other: Any) -> Any:
        _counts(self, other)
        return self._own(super().__sub__(other))

    def __or__(self, other: Any) -> Any:
        _counts(self, other)
        return self._own(super().__or__(other))

    def __and__(self, other: Any) -> Any:
        _counts(self, other)
        return self._own(super().__and__(other))

    def __pos__(self) -> Any:
        _counts(self)
        return self._own(super().__pos__())

    def __neg__(self) -> Any:
        _counts(self)
        return self._own(super().__neg__())

    def __iadd__(self, other: Any) -> Any:
        _counts(self, other)
        return super().__iadd__(other)

    def __isub__(self, other: Any) -> Any:
        _counts(self, other)
        return super().__isub__(other)

    def __ior__(self, other: Any) -> Any:
        _counts(self, other)
        return super().__ior__(other)

    def __iand__(self, other: Any) -> Any:
        _counts(self, other)
        return super().__iand__(other)


class deque(_Bound, collections.deque):
    gradtrace_attributes = DEQUE_ATTRS

    def __init__(self, iterable: Any = (), maxlen: Any = None):
        super().__init__((), maxlen)  # CPython's checks of maxlen
        self.extend(iterable)

    def _check_length(self, length: int) -> None:
        limit = self._interp.limits.max_sequence_length
        if self.maxlen is not None:
            length = min(length, self.maxlen)
        if length > limit:
            raise LimitExceeded(
                "max_sequence_length", limit, f"the deque would hold {length} items"
            )

    def _items(self, iterable: Any) -> list[Any]:
        return list(self._interp.iterate(iter(iterable)))

    def extend(self, iterable: Any, /) -> None:
        items = self._items(iterable)
        self._check_length(len(self) + len(items))
        super().extend(items)

    def extendleft(self, iterable: Any, /) -> None:
        items = self._items(iterable)
        self._check_length(len(self) + len(items))
        super().extendleft(items)

    def append(self, item: Any, /) -> None:
        self._check_length(len(self) + 1)
        super().append(item)

    def appendleft(self, item: Any, /) -> None:
        self._check_length(len(self) + 1)
        super().appendleft(item)

    def insert(self, index: Any, item: Any, /) -> None:
        self._check_length(len(self) + 1)
        super().insert(index, item)

    def __add__(self, other: Any) -> Any:
        if isinstance(other, collections.deque):
            self._check_length(len(self) + len(other))
        return super().__add__(other)

    def __iadd__(self, other: Any) -> Any:
        self.extend(other)
        return self

    def __mul__(self, count: Any) -> Any:
        count = operator.index(count)  # once: the program's __index__ answers check and call
        self._check_length(len(self) * count)
        return super().__mul__(count)

    __rmul__ = __mul__

    def __imul__(self, count: Any) -> Any:
        count = operator.index(count)
        self._check_length(len(self) * count)
        return super().__imul__(count)


def _field_names(interp: Host, field_names: Any) -> list[str]:
    if isinstance(field_names, str):
        names: list[Any] = field_names.replace(",", " ").split()
    else:
        names = list(interp.iterate(iter(field_names)))
    if len(names) > MAX_FIELDS:
        raise LimitExceeded("namedtuple_fields", MAX_FIELDS, "a namedtuple has too many fields")
    for name in names:
        if not isinstance(name, str):
            raise TypeError("Type names and field names must be strings")
        if name.startswith("_") or name == "gradtrace_attributes":
            raise NotAllowed(f"namedtuple field name '{name}' is not allowed")
    return names


def collections_namespace(interp: Host) -> Namespace:
    def bound(cls: type) -> type:
        name = cls.__name__
        return type(name, (cls,), {"_interp": interp, "__module__": __name__, "__qualname__": name})

    def namedtuple(typename: Any, field_names: Any, *, defaults: Any = None) -> type:
        if not isinstance(typename, str) or not typename.isidentifier():
            raise ValueError(f"Type names and field names must be valid identifiers: {typename!r}")
        if typename.startswith("_") or keyword.iskeyword(typename):
            raise NotAllowed(f"namedtuple name '{typename}' is not allowed")
        names = _field_names(interp, field_names)
        interp.tick(len(names))
        if defaults is not None:
            defaults = tuple(interp.iterate(iter(defaults)))
        cls = collections.namedtuple(typename, names, defaults=defaults, module=__name__)
        cls.gradtrace_attributes = frozenset(names) | {"count", "index"}
        return register(interp, cls)

    members = {
        "OrderedDict": bound(OrderedDict),
        "defaultdict": bound(defaultdict),
        "Counter": bound(Counter),
        "deque": bound(deque),
        "namedtuple": namedtuple,
    }
    return Namespace("collections", members)

"""``dataclasses`` for one run: ``@dataclass`` and ``field`` over the program's own class.

CPython's dataclasses writes the source of ``__init__``, ``__repr__`` and ``__eq__`` and hands it
to ``exec``; here they are three fixed functions that read the class's field list instead. The
fields are what the class body annotated, in order (``name: type = default``), which the
interpreter records when it builds the class (``FIELDS_ATTRIBUTE``); annotations are never
evaluated. Defaults, ``field(default=..., default_factory=...)``, ``__post_init__``, ``frozen``,
``asdict``, ``astuple``, ``fields`` and ``replace`` behave as CPython's do.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING, Any

from app.lang.errors import NotAllowed
from app.lang.functions import FIELDS_ATTRIBUTE
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host

_MISSING = dataclasses.MISSING


class Field:
    """What ``field(...)`` gives: a default, or a factory the program's code provides."""

    gradtrace_attributes = frozenset({"name", "default", "default_factory"})

    def __init__(self, default: Any = _MISSING, default_factory: Any = _MISSING) -> None:
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory

    def __repr__(self) -> str:
        return f"Field(name={self.name!r})"


def dataclasses_namespace(interp: Host) -> Namespace:
    def fields_of(cls: type) -> list[Field]:
        found = vars(cls).get("__gradtrace_dataclass__")
        if found is None:
            raise TypeError("must be called with a dataclass type or instance")
        return list(found)

    def make(cls: Any, frozen: bool) -> Any:
        if not (isinstance(cls, type) and cls in interp.user_classes):
            raise NotAllowed("@dataclass applies to a class defined in the program")
        specs: list[Field] = []
        for name in vars(cls).get(FIELDS_ATTRIBUTE, ()):
            value = vars(cls).get(name, _MISSING)
            spec = value if isinstance(value, Field) else Field(default=value)
            if spec.default is not _MISSING and type(spec.default).__hash__ is None:
                raise ValueError(
                    f"mutable default {type(spec.default)} for field {name} is not allowed: "
                    "use default_factory"
                )
            spec.name = name
            if spec.default is _MISSING and name in vars(cls):
                type.__delattr__(cls, name)  # a field(default_factory=...) is no class attribute
            elif spec.default is not _MISSING:
                type.__setattr__(cls, name, spec.default)
            specs.append(spec)
        required = [
            s.name for s in specs if s.default is _MISSING and s.default_factory is _MISSING
        ]
        for before, after in itertools.pairwise(specs):
            if after.name in required and before.name not in required:
                raise TypeError(f"non-default argument '{after.name}' follows default argument")
        type.__setattr__(cls, "__gradtrace_dataclass__", tuple(specs))
        _install(interp, cls, specs, frozen)
        return cls

    def dataclass(cls: Any = None, *, frozen: bool = False, **options: Any) -> Any:
        unknown = set(options) - {"init", "repr", "eq", "order", "unsafe_hash"}
        if unknown:
            raise TypeError(
                f"dataclass() got an unexpected keyword argument '{sorted(unknown)[0]}'"
            )
        if cls is None:
            return interp.register_callable(lambda c: make(c, frozen))
        return make(cls, frozen)

    def field(*, default: Any = _MISSING, default_factory: Any = _MISSING, **_: Any) -> Field:
        if default_factory is not _MISSING:
            interp.check_callable(default_factory)
        return Field(default, default_factory)

    def asdict(obj: Any) -> dict[str, Any]:
        return {s.name: _as_value(getattr(obj, s.name), asdict) for s in fields_of(type(obj))}

    def astuple(obj: Any) -> tuple[Any, ...]:
        return tuple(_as_value(getattr(obj, s.name), astuple) for s in fields_of(type(obj)))

    def fields(obj: Any) -> tuple[Field, ...]:
        return tuple(fields_of(obj if isinstance(obj, type) else type(obj)))

    def replace(obj: Any, **changes: Any) -> Any:
        values = {s.name: getattr(obj, s.name) for s in fields_of(type(obj))}
        values.update(changes)
        return interp.call(type(obj), [], values)

    def is_dataclass(obj: Any) -> bool:
        cls = obj if isinstance(obj, type) else type(obj)
        return "__gradtrace_dataclass__" in vars(cls)

    members = {
        "dataclass": dataclass,
        "field": field,
        "asdict": asdict,
        "astuple": astuple,
        "fields": fields,
        "replace": replace,
        "is_dataclass": is_dataclass,
        "FrozenInstanceError": dataclasses.FrozenInstanceError,
        "MISSING": _MISSING,
    }
    return Namespace("dataclasses", members)


def _as_value(value: Any, recurse: Any) -> Any:
    if "__gradtrace_dataclass__" in vars(type(value)):
        return recurse(value)
    return value


def _install(interp: Host, cls: type, specs: list[Field], frozen: bool) -> None:
    """__init__, __repr__ and __eq__ (and, frozen, __setattr__) over the field list."""
    names = [s.name for s in specs]
    post_init = getattr(cls, "__post_init__", None)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(specs):
            raise TypeError(
                f"{cls.__qualname__}.__init__() takes {len(specs) + 1} positional arguments but "
                f"{len(args) + 1} were given"
            )
        given = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(
                    f"{cls.__qualname__}.__init__() got an unexpected keyword argument '{key}'"
                )
            if key in given:
                raise TypeError(
                    f"{cls.__qualname__}.__init__() got multiple values for argument '{key}'"
                )
            given[key] = value
        for spec in specs:
            if spec.name in given:
                value = given[spec.name]
            elif spec.default_factory is not _MISSING:
                value = interp.call(spec.default_factory, [], {})
            elif spec.default is not _MISSING:
                value = spec.default
            else:
                raise TypeError(
                    f"{cls.__qualname__}.__init__() missing 1 required positional argument: "
                    f"'{spec.name}'"
                )
            object.__setattr__(self, spec.name, value)
        if post_init is not None:
            post_init(self)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{cls.__qualname__}({inner})"

    def __eq__(self: Any, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field '{name}'")

    methods: dict[str, Any] = {"__init__": __init__, "__repr__": __repr__, "__eq__": __eq__}
    if frozen:
        methods["__setattr__"] = __setattr__
    for name, method in methods.items():
        if name in vars(cls):
            continue  # the program's own __init__ or __repr__ wins, as in CPython
        type.__setattr__(cls, name, method)
        interp.register_callable(method)
    if "__hash__" not in vars(cls) or vars(cls)["__hash__"] is None:
        # as CPython: eq without frozen makes instances unhashable; frozen hashes the fields
        hashed = (lambda self: hash(tuple(getattr(self, n) for n in names))) if frozen else None
        type.__setattr__(cls, "__hash__", hashed)

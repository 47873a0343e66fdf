"""Python's builtins as a program sees them: a fixed table, with every loop counted in steps.

Builtins such as ``sum`` or ``list`` would otherwise iterate in C, beyond the interpreter's step
limit (``sum(range(10**12))``); here they iterate through ``Host.iterate``, which counts.
"""

from __future__ import annotations

import builtins as py
import types
from collections.abc import Callable, Iterable
from typing import Any

import torch

from app.lang.errors import NotAllowed
from app.lang.formatting import format_value
from app.lang.host import Host
from app.lang.parse import SPECIAL_METHODS
from app.printout import tensor_text

_MISSING = object()


class TypeName:
    """What ``type(x)`` gives a program: prints like a class, compares equal to it, no more."""

    __slots__ = ("_cls",)

    def __init__(self, cls: type):
        self._cls = cls

    def __repr__(self) -> str:
        return f"<class '{_qualified(self._cls)}'>"

    @property
    def cls_name(self) -> str:
        return self._cls.__name__

    @property
    def cls(self) -> type:
        """The class itself, for gradtrace's own comparisons (the program never gets it)."""
        return self._cls

    def __eq__(self, other: object) -> bool:
        target = other._cls if isinstance(other, TypeName) else as_type(other)
        return self._cls is target

    def __hash__(self) -> int:
        return hash(self._cls)


def as_type(value: Any) -> Any:
    """The type a builtin of the program's stands for (its ``list`` counts the items it takes,
    so it is a function; ``isinstance(x, list)`` and ``class L(list)`` mean the type)."""
    if type(value) is types.FunctionType:
        return vars(value).get("gradtrace_type", value)
    return value


def _qualified(cls: type) -> str:
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    if module.startswith("torch") and cls.__name__ == "Tensor":
        return "torch.Tensor"
    return f"{module}.{cls.__qualname__}"


# Values whose str() needs no size check before it is built (see Host.check_text).
_PLAIN_TEXT = frozenset({str, int, float, bool, type(None)})


def make_builtins(interp: Host) -> dict[str, Any]:
    """The builtin names of one run, bound to its interpreter for step counting and output.

    Functions a program passes in (``key=``, ``map``'s and ``filter``'s) are called through
    ``interp.call``, like a call the program wrote, so they meet the same checks.
    """
    it = interp.iterate

    def apply(function: Any, *args: Any) -> Any:
        return interp.call(function, list(args), {})

    def print_(*values: Any, sep: Any = " ", end: Any = "\n", flush: bool = False) -> None:
        sep = " " if sep is None else sep
        end = "\n" if end is None else end
        if not isinstance(sep, str) or not isinstance(end, str):
            raise TypeError("sep and end must be strings")
        texts = []
        for value in values:
            if value.__class__ in _PLAIN_TEXT:  # its text is about its own, bounded, size
                texts.append(str(value))
                continue
            interp.check_text(value)
            texts.append(tensor_text(value) if isinstance(value, torch.Tensor) else str(value))
        # measured before joining: print(*[s] * 10**5) would build gigabytes first
        interp.output.reserve(sum(map(len, texts)) + len(sep) * len(texts) + len(end))
        interp.output.write(sep.join(texts) + end)

    def list_(iterable: Iterable[Any] = ()) -> list[Any]:
        return list(it(iterable))

    def tuple_(iterable: Iterable[Any] = ()) -> tuple[Any, ...]:
        return tuple(it(iterable))

    def set_(iterable: Iterable[Any] = ()) -> set[Any]:
        return set(it(iterable))

    list_.gradtrace_type = list  # type: ignore[attr-defined]
    tuple_.gradtrace_type = tuple  # type: ignore[attr-defined]
    set_.gradtrace_type = set  # type: ignore[attr-defined]

    def dict_(*args: Any, **kwargs: Any) -> dict[Any, Any]:
        if len(args) > 1:
            raise TypeError(f"dict expected at most 1 argument, got {len(args)}")
        result: dict[Any, Any] = {}
        if args:
            source = args[0]
            pairs = source.items() if isinstance(source, dict) else source
            for key, value in it(pairs):
                result[key] = value
        result.update(kwargs)
        return result

    dict_.gradtrace_type = dict  # type: ignore[attr-defined]

    def sum_(iterable: Iterable[Any], start: Any = 0) -> Any:
        total = start
        for item in it(iterable):
            total = interp.binary("+", total, item)
        return total

    def extreme(pick_max: bool) -> Callable[..., Any]:
        def choose(*args: Any, key: Any = None, default: Any = _MISSING) -> Any:
            items = list(it(args[0])) if len(args) == 1 else list(args)
            if not items:
                if default is _MISSING:
                    name = "max" if pick_max else "min"
                    raise ValueError(f"{name}() iterable argument is empty")
                return default
            best, best_key = items[0], apply(key, items[0]) if key else items[0]
            for item in items[1:]:
                interp.tick()
                value = apply(key, item) if key else item
                if (value > best_key) if pick_max else (value < best_key):
                    best, best_key = item, value
            return best

        return choose

    def sorted_(iterable: Iterable[Any], key: Any = None, reverse: bool = False) -> list[Any]:
        items = list(it(iterable))
        interp.tick(len(items))
        if key is None:
            return py.sorted(items, reverse=reverse)
        return py.sorted(items, key=lambda item: apply(key, item), reverse=reverse)

    def reversed_(sequence: Any) -> list[Any]:
        return list(it(py.reversed(sequence)))

    def any_(iterable: Iterable[Any]) -> bool:
        return py.any(bool(v) for v in it(iterable))

    def all_(iterable: Iterable[Any]) -> bool:
        return py.all(bool(v) for v in it(iterable))

    def map_(function: Any, *iterables: Any) -> list[Any]:
        interp.check_callable(function)
        return [apply(function, *items) for items in it(zip(*iterables, strict=False))]

    def filter_(function: Any, iterable: Iterable[Any]) -> list[Any]:
        if function is not None:
            interp.check_callable(function)
        return [v for v in it(iterable) if (apply(function, v) if function else v)]

    def type_(*args: Any) -> TypeName:
        if len(args) != 1:
            raise NotAllowed("type() with more than one argument is not allowed")
        return TypeName(py.type(args[0]))

    def isinstance_(value: Any, classes: Any) -> bool:
        options = classes if isinstance(classes, tuple) else (classes,)
        resolved = tuple(c._cls if isinstance(c, TypeName) else as_type(c) for c in options)
        if not py.all(isinstance(c, type) for c in resolved):
            raise TypeError("isinstance() arg 2 must be a type or tuple of types")
        return isinstance(value, resolved)

    def pow_(base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is not None:
            return py.pow(base, exp, mod)  # modular pow stays small
        return interp.binary("**", base, exp)

    def iter_(iterable: Any, *sentinel: Any) -> Any:
        if sentinel:
            raise NotAllowed("iter(function, sentinel) is not supported: use a while loop")
        return py.iter(iterable)

    def next_(iterator: Any, *default: Any) -> Any:
        interp.tick()
        return py.next(iterator, *default)

    def program_code(function: Any, what: str) -> Any:
        if function is not None and not interp.is_program_code(function):
            raise NotAllowed(f"{what} takes a function defined in the program")
        return function

    def staticmethod_(function: Any) -> Any:
        return py.staticmethod(program_code(function, "staticmethod"))

    def classmethod_(function: Any) -> Any:
        return py.classmethod(program_code(function, "classmethod"))

    def property_(fget: Any = None, fset: Any = None, fdel: Any = None, doc: Any = None) -> Any:
        for function in (fget, fset, fdel):
            program_code(function, "property")
        return ProgramProperty(fget, fset, fdel, doc)

    class ProgramProperty(py.property):
        """A property whose accessors are the program's functions (checked again on .setter)."""

        def getter(self, fget: Any) -> Any:
            return super().getter(program_code(fget, "property"))

        def setter(self, fset: Any) -> Any:
            return super().setter(program_code(fset, "property"))

        def deleter(self, fdel: Any) -> Any:
            return super().deleter(program_code(fdel, "property"))

    ProgramProperty.__name__ = ProgramProperty.__qualname__ = "property"
    ProgramProperty.gradtrace_attributes = frozenset(  # type: ignore[attr-defined]
        {"getter", "setter", "deleter", "fget", "fset", "fdel"}
    )

    def getattr_(obj: Any, name: Any, *default: Any) -> Any:
        if not isinstance(name, str):
            raise TypeError("attribute name must be string")
        try:
            return interp.get_attribute(obj, name)
        except AttributeError:
            if default:
                return default[0]
            raise

    def hasattr_(obj: Any, name: Any) -> bool:
        if not isinstance(name, str):
            raise TypeError("attribute name must be string")
        if name in SPECIAL_METHODS:  # duck typing (hasattr(x, "__len__")): asked of the class,
            return py.hasattr(type(obj), name)  # which runs no code of the object's
        if not interp.attribute_allowed(obj, name):
            return False
        try:
            interp.get_attribute(obj, name)
        except AttributeError:
            return False
        return True

    def setattr_(obj: Any, name: Any, value: Any) -> None:
        if not isinstance(name, str):
            raise TypeError("attribute name must be string")
        interp.set_attribute(obj, name, value)

    def issubclass_(cls: Any, classes: Any) -> bool:
        options = classes if isinstance(classes, tuple) else (classes,)
        resolved = tuple(c._cls if isinstance(c, TypeName) else as_type(c) for c in options)
        target = cls._cls if isinstance(cls, TypeName) else as_type(cls)
        if not isinstance(target, type) or not py.all(isinstance(c, type) for c in resolved):
            raise TypeError("issubclass() arg 1 must be a class")
        return issubclass(target, resolved)

    return {
        "print": print_,
        "range": py.range,
        "len": py.len,
        "abs": py.abs,
        "min": extreme(False),
        "max": extreme(True),
        "sum": sum_,
        "round": py.round,
        "float": py.float,
        "int": py.int,
        "bool": py.bool,
        "str": py.str,
        "repr": py.repr,
        "complex": py.complex,
        "list": list_,
        "tuple": tuple_,
        "dict": dict_,
        "set": set_,
        "zip": py.zip,
        "enumerate": py.enumerate,
        "sorted": sorted_,
        "reversed": reversed_,
        "any": any_,
        "all": all_,
        "map": map_,
        "filter": filter_,
        "isinstance": isinstance_,
        "type": type_,
        "id": py.id,
        "divmod": py.divmod,
        "pow": pow_,
        "chr": py.chr,
        "ord": py.ord,
        "iter": iter_,
        "next": next_,
        "hash": py.hash,
        "format": lambda value, spec="": format_value(interp, value, spec),
        "callable": py.callable,
        "getattr": getattr_,
        "hasattr": hasattr_,
        "setattr": setattr_,
        "issubclass": issubclass_,
        "staticmethod": staticmethod_,
        "classmethod": classmethod_,
        "property": property_,
        "object": py.object,
        "slice": py.slice,
        "frozenset": py.frozenset,
        "bin": py.bin,
        "hex": py.hex,
        "oct": py.oct,
        "NotImplemented": py.NotImplemented,
        "Ellipsis": py.Ellipsis,
        **{cls.__name__: cls for cls in EXCEPTIONS},
    }


# Python's exceptions a program may raise and catch. PyTorch raises these too (RuntimeError,
# above all). RecursionError and MemoryError are not here: they become limit errors, which no
# ``except`` catches.
EXCEPTIONS = (
    BaseException, Exception, ArithmeticError, AssertionError, AttributeError, FloatingPointError,
    IndexError, KeyError, LookupError, NameError, NotImplementedError, OverflowError,
    RuntimeError, StopIteration, TypeError, UnboundLocalError, ValueError, ZeroDivisionError,
    Warning, UserWarning, DeprecationWarning, RuntimeWarning,
)  # fmt: skip

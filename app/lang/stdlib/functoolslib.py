"""``functools`` for one run: ``partial``, ``reduce``, ``cmp_to_key``, ``lru_cache`` and ``cache``.

Whatever they wrap is called through ``Host.call``, so the wrapped function meets every
check a direct call meets (a grad_fn is refused, ``partial(torch.zeros, 10**6)(10**6)`` is
estimated). Objects they make (partials, cached functions, key wrappers) are registered with
the run as callables of ours.
"""

from __future__ import annotations

import functools
import types
from typing import TYPE_CHECKING, Any

from app.lang.errors import NotAllowed
from app.lang.functions import UserFunction
from app.lang.stdlib.values import check_callback, register
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host

_MISSING = object()
_SHOWN_ARGUMENTS = 8  # arguments a partial's repr shows


class Partial:
    """``functools.partial``: a function with some arguments given, called through the run."""

    __slots__ = ("_interp", "args", "func", "keywords")
    gradtrace_attributes = frozenset({"func", "args", "keywords"})

    def __init__(self, interp: Host, func: Any, args: tuple[Any, ...], keywords: dict):
        self._interp = interp
        self.func = func
        self.args = args
        self.keywords = keywords

    def __call__(self, *args: Any, **keywords: Any) -> Any:
        keywords = {**self.keywords, **keywords}
        if any(not isinstance(key, str) or key.startswith("_") for key in keywords):
            # p.keywords is the program's to edit, as in CPython: not a way around the rule
            # for **kwargs (Interpreter.call_arguments)
            raise NotAllowed("keyword arguments starting with '_' are not allowed")
        return self._interp.call(self.func, [*self.args, *args], keywords)

    def __repr__(self) -> str:
        # CPython shows every argument's repr; here only short scalars are (a list of partials
        # of a big list would otherwise print the list once per partial, past check_text)
        shown = [_short(value) for value in self.args]
        shown += [_short(value, f"{key}=") for key, value in self.keywords.items()]
        parts = [_function_text(self.func)]
        parts += ["..."] if None in shown or len(shown) > _SHOWN_ARGUMENTS else shown
        return f"functools.partial({', '.join(parts)})"


def _short(value: Any, prefix: str = "") -> str | None:
    """The repr of a scalar whose text is short, else None."""
    if value is None or isinstance(value, (bool, float)):
        return prefix + repr(value)
    if isinstance(value, int) and value.bit_length() <= 64:
        return prefix + repr(value)
    if isinstance(value, str) and len(value) <= 40:
        return prefix + repr(value)
    return None


def _function_text(func: Any) -> str:
    if isinstance(func, (types.FunctionType, types.BuiltinFunctionType, type, UserFunction)):
        return repr(func)  # its name: bounded
    return f"<{type(func).__name__} object>"


def functools_namespace(interp: Host) -> Namespace:
    def partial(func: Any, /, *args: Any, **keywords: Any) -> Partial:
        if isinstance(func, Partial):  # flattened, as CPython does
            args = func.args + args
            keywords = {**func.keywords, **keywords}
            func = func.func
        elif not callable(func):
            raise TypeError("the first argument must be callable")
        check_callback(interp, func)
        return register(interp, Partial(interp, func, args, keywords))

    def reduce(function: Any, iterable: Any, initial: Any = _MISSING, /) -> Any:
        check_callback(interp, function)
        items = interp.iterate(iter(iterable))
        if initial is _MISSING:
            try:
                value = next(items)
            except StopIteration:
                raise TypeError("reduce() of empty iterable with no initial value") from None
        else:
            value = initial
        for item in items:
            value = interp.call(function, [value, item], {})
        return value

    def guarded(func: Any) -> Any:
        check_callback(interp, func)

        def call(*args: Any, **keywords: Any) -> Any:
            return interp.call(func, list(args), keywords)

        return call

    def cmp_to_key(mycmp: Any) -> Any:
        return register(interp, functools.cmp_to_key(guarded(mycmp)))

    def lru_cache(maxsize: Any = 128, typed: bool = False) -> Any:
        if callable(maxsize) and not isinstance(maxsize, bool):
            return decorate(maxsize, 128, typed)  # @lru_cache without parentheses
        if maxsize is not None and not isinstance(maxsize, int):
            raise TypeError("Expected first argument to be an integer, a callable, or None")

        def decorating_function(user_function: Any) -> Any:
            return decorate(user_function, maxsize, typed)

        return register(interp, decorating_function)

    def decorate(func: Any, maxsize: Any, typed: bool) -> Any:
        # The cache holds results already made (and counted); each call to fill it is a call
        # of the program's, so it grows by at most one entry a step.
        wrapper = functools.lru_cache(maxsize=maxsize, typed=typed)(guarded(func))
        return register(interp, wrapper)

    def cache(user_function: Any, /) -> Any:
        return decorate(user_function, None, False)

    members = {
        "partial": partial,
        "reduce": reduce,
        "cmp_to_key": cmp_to_key,
        "lru_cache": lru_cache,
        "cache": cache,
    }
    return Namespace("functools", members)

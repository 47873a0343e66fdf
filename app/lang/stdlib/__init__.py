"""Python's standard library as a program sees it: ``math``, ``random``, ``functools``,
``itertools``, ``collections``, ``dataclasses``, ``re``, ``time``, ``string`` and ``unicodedata``,
each a fixed table of members made for one run.

Their functions are bound to the run's interpreter, like its builtins: their loops are counted
in steps, the functions a program hands them are called through ``Host.call``, and the
sizes CPython would allocate in C are checked against the limits first. Each module's own
file says what it bounds and why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from app.lang.stdlib.collectionslib import collections_namespace
from app.lang.stdlib.dataclasslib import dataclasses_namespace
from app.lang.stdlib.functoolslib import functools_namespace
from app.lang.stdlib.itertoolslib import itertools_namespace
from app.lang.stdlib.mathlib import math_namespace
from app.lang.stdlib.randomlib import random_namespace
from app.lang.stdlib.relib import re_namespace
from app.lang.stdlib.textlib import string_namespace, time_namespace, unicodedata_namespace
from app.lang.surface import Namespace

if TYPE_CHECKING:
    from app.lang.host import Host

__all__ = ["stdlib_modules"]

_BUILDERS: dict[str, Callable[[Host], Namespace]] = {
    "math": math_namespace,
    "random": random_namespace,
    "functools": functools_namespace,
    "itertools": itertools_namespace,
    "collections": collections_namespace,
    "time": time_namespace,
    "string": string_namespace,
    "unicodedata": unicodedata_namespace,
    "dataclasses": dataclasses_namespace,
    "re": re_namespace,
}


class _RunModule(Namespace):
    """A module of one run, built when the program first looks into it (most import none):
    its callables are then registered with the run, as the builtins are."""

    __slots__ = ("_interp",)

    def __init__(self, name: str, interp: Host):
        super().__init__(name, {})
        self._interp = interp
        self._members = None  # type: ignore[assignment]

    def members(self) -> Mapping[str, Any]:
        if self._members is None:
            built = dict(_BUILDERS[self._name](self._interp).members())
            ids = self._interp.builtin_ids
            ids.update(id(value) for value in built.values() if callable(value))
            self._members = built
        return self._members

    def member(self, name: str) -> Any:
        try:
            return self.members()[name]
        except KeyError:
            raise AttributeError(name) from None

    def has(self, name: str) -> bool:
        return name in self.members()


def stdlib_modules(interp: Host) -> dict[str, Namespace]:
    """What ``import math`` (random, functools, itertools, collections) binds in this run.

    Their callables are registered in ``interp.builtin_ids`` when a module is first used: like
    the builtins, they route the functions they are given through ``interp.call`` themselves.
    """
    return {name: _RunModule(name, interp) for name in _BUILDERS}

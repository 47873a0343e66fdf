"""Generator functions (``def`` with ``yield``) for programs, such as d2l's ``data_iter``.

The interpreter evaluates a function body by recursing over its syntax tree, so a body cannot
stop halfway and resume the way CPython's frames do. Each generator's body runs instead on a
greenlet of its own: ``yield`` switches back to whoever asked for the next item, ``next()``
switches into the body again. Both run on the program's thread, under the same limits and the
same torch state (grad mode is per thread), and every step still counts.

A generator the program drops half-way is closed when the program ends (or when it is
collected), with ``GreenletExit``: no program code runs then (``finally`` blocks of the body are
skipped), since the program is no longer running.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import greenlet

from app.lang.errors import LimitExceeded
from app.lang.functions import ReturnSignal
from app.lang.scopes import Scope

if TYPE_CHECKING:
    from app.lang.functions import UserFunction
    from app.lang.interpreter import Interpreter

GreenletExit = greenlet.GreenletExit
_FINISHED = object()


class ProgramGenerator:
    """What calling a generator function gives: an iterator over what its body yields."""

    gradtrace_attributes = frozenset({"send", "close"})

    def __init__(self, interp: Interpreter, function: UserFunction, scope: Scope):
        self.interp = interp
        self.function = function
        self.scope = scope
        self.body: greenlet.greenlet | None = None
        self.caller: greenlet.greenlet | None = None
        self.finished = False

    def __repr__(self) -> str:
        return f"<generator object {self.function.name}>"

    def __iter__(self) -> ProgramGenerator:
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def send(self, value: Any) -> Any:
        if self.finished:
            raise StopIteration
        interp = self.interp
        if self.body is None:
            if value is not None:
                raise TypeError("can't send non-None value to a just-started generator")
            interp.start_generator(self)
            self.body = greenlet.greenlet(self._run)
        self.caller = greenlet.getcurrent()
        self.body.parent = self.caller  # where its end and its errors arrive
        interp.enter_frame(self.function, self.scope)
        try:
            result = self.body.switch(value)
        except BaseException:
            self.finished = True  # an error ends a generator, as in Python
            interp.end_generator(self)
            raise
        finally:
            interp.frames.pop()
        if result is _FINISHED:
            self.finished = True
            interp.end_generator(self)
            raise StopIteration
        return result

    def _run(self, _first: Any) -> Any:
        interp = self.interp
        interp.running_generators[greenlet.getcurrent()] = self
        with contextlib.suppress(ReturnSignal):  # a ``return`` ends the generator
            interp.exec_block(self.function.node.body, self.scope)
        return _FINISHED

    def yield_value(self, value: Any) -> Any:
        """Called by the body's ``yield``: hand ``value`` out, wait for the next request."""
        assert self.caller is not None
        return self.caller.switch(value)

    def close(self) -> None:
        """Stop the body where it is; none of its code runs any more."""
        if self.body is not None and not self.body.dead:
            self.body.throw(GreenletExit)
        self.finished = True
        self.interp.end_generator(self)


def check_generator_count(interp: Interpreter, live: int) -> None:
    limit = interp.limits.max_live_generators
    if live > limit:
        raise LimitExceeded(
            "max_live_generators", limit, "the program has too many unfinished generators"
        )

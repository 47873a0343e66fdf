"""Run a program: parse, check, interpret on a large-stack thread; shape what it leaves.

``run_program`` parses, checks and runs a program; ``named_tensors`` lists the tensors a
finished program holds, under the names the graph and the page show.
"""

from __future__ import annotations

import os
import queue
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any, TypeVar

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from app.config import ProgramLimits
from app.graph.values import is_stale_view
from app.lang.errors import LimitExceeded, ProgramError, clean_message
from app.lang.functions import UserFunction
from app.lang.guard import refuse_fused_step
from app.lang.host import ProgramTracer
from app.lang.interpreter import Interpreter
from app.lang.parse import parse_program
from app.lang.result import ProgramResult
from app.lang.state import isolated_global_state
from app.lang.surface import Namespace


def run_program(
    source: str,
    limits: ProgramLimits | None = None,
    *,
    device: str = "cpu",
    tracer: ProgramTracer | None = None,
) -> ProgramResult:
    """Run ``source``; raise ProgramError (with line and column where known) if it fails.

    With ``tracer``, the interpreter tells it about every statement and loop iteration, and the
    program runs inside ``tracer.running`` (app.graph.trace records autograd's work there).
    """
    limits = limits or ProgramLimits()
    tree = parse_program(source, limits)
    interpreter = Interpreter(limits)
    interpreter.tracer = tracer
    caught: list[str] = []

    def record_warning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        text = f"{category.__name__}: {clean_message(str(message))} (line {interpreter.line})"
        if text not in caught and len(caught) < 20:
            caught.append(text)

    def execute() -> None:
        hook = register_optimizer_step_pre_hook(refuse_fused_step)
        with isolated_global_state(device), warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = record_warning
            tracing = tracer.running(interpreter) if tracer is not None else nullcontext()
            try:
                with tracing:
                    interpreter.run(tree)
            except RecursionError:
                raise LimitExceeded(
                    "max_call_depth", limits.max_call_depth, "the program nests too deeply"
                ) from None
            except MemoryError:
                raise LimitExceeded(
                    "worker_memory_mb", "the worker's memory cap", "the program ran out of memory"
                ) from None
            finally:
                hook.remove()

    try:
        _on_large_stack(execute, _stack_bytes(limits))
    except ProgramError as error:
        error.stdout = interpreter.output.text()  # as a terminal shows it, up to the error
        if tracer is not None:
            tracer.stopped(_result(interpreter, caught))
        raise
    return _result(interpreter, caught)


def _result(interpreter: Interpreter, caught: list[str]) -> ProgramResult:
    return ProgramResult(
        namespace=_visible(interpreter.globals),
        stdout=interpreter.output.text(),
        figures=interpreter.pyplot.figures,
        backward_roots=list(interpreter.backward_roots),
        root_tensors=dict(interpreter.root_tensors),
        warnings=caught,
        function_locals={
            name: _visible(values) for name, values in interpreter.function_locals.items()
        },
    )


# Some C code recurses over nested values without a depth check: hashing a tuple nested 200,000
# deep overflows the main thread's 8 MB stack (SIGSEGV), and a program builds one in a loop.
# Nesting grows by at most one level per step, and each level takes well under 96 bytes of C
# stack, so a program runs on a thread whose stack max_steps cannot exhaust. The stack is
# reserved address space; only the pages a program uses are ever touched.
_STACK_BYTES_PER_STEP = 96
_MIN_STACK_BYTES = 32 << 20
_MAX_STACK_BYTES = 1 << 30
_stack_size_lock = threading.Lock()
T = TypeVar("T")


def _stack_bytes(limits: ProgramLimits) -> int:
    wanted = limits.max_steps * _STACK_BYTES_PER_STEP
    return min(_MAX_STACK_BYTES, max(_MIN_STACK_BYTES, wanted))


def _on_large_stack(function: Callable[[], T], stack_bytes: int) -> T:
    """Run ``function`` on a thread with a ``stack_bytes`` stack; return or raise its outcome.

    The thread is kept for the next program: starting one, and torch setting up its
    thread-local state on the first op there, cost ~0.3 ms a program. Thread-local torch state
    (grad mode, the default device) is set up and restored inside ``function``. A second
    program running at the same time in this process (tests do that) gets a thread of its own.
    """
    global _program_thread
    runner = _program_thread
    if runner is None or not runner.serves(stack_bytes):
        runner = _program_thread = _ProgramThread(stack_bytes)
    if not runner.busy.acquire(blocking=False):
        return _ProgramThread(stack_bytes, keep=False).run(function)
    try:
        return runner.run(function)
    finally:
        runner.busy.release()


class _ProgramThread:
    """A daemon thread with a big stack that runs the functions handed to it, one at a time."""

    def __init__(self, stack_bytes: int, keep: bool = True) -> None:
        self.stack_bytes = stack_bytes
        self.pid = os.getpid()  # a forked child has no copy of this thread
        self.busy = threading.Lock()
        self._keep = keep
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        with _stack_size_lock:  # stack_size() applies to every thread started while it is set
            previous = threading.stack_size(stack_bytes)
            try:
                thread = threading.Thread(target=self._serve, name="gradtrace-program", daemon=True)
                thread.start()
            finally:
                threading.stack_size(previous)

    def serves(self, stack_bytes: int) -> bool:
        return self.stack_bytes == stack_bytes and self.pid == os.getpid()

    def run(self, function: Callable[[], T]) -> T:
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def job() -> None:
            try:
                outcome["value"] = function()
            except BaseException as error:  # handed to the calling thread as it was raised
                outcome["error"] = error
            finally:
                finished.set()

        self._jobs.put(job)
        finished.wait()
        if "error" in outcome:
            raise outcome.pop("error")
        return outcome["value"]  # type: ignore[no-any-return]  # what function returned: T

    def _serve(self) -> None:
        while True:
            self._jobs.get()()
            if not self._keep:
                return


_program_thread: _ProgramThread | None = None


def _visible(names: dict[str, Any]) -> dict[str, Any]:
    """A program's own values: no imported modules, functions or classes."""
    return {
        name: value
        for name, value in names.items()
        if (not isinstance(value, (Namespace, UserFunction, type)) and not callable(value))
        or isinstance(value, nn.Module)
    }


def named_tensors(result: ProgramResult) -> dict[str, torch.Tensor]:
    """Tensors by the names a person knows them by.

    Global tensors by name; module parameters as ``model.linear.weight``; the tensors a
    ``.backward()`` was called on without a name (``y.sum()``) by that expression; and the
    tensors inside a function called from the module, as ``train:loss`` (seed 003 trains inside
    ``train()``).
    """
    named: dict[str, torch.Tensor] = {}
    _add_names(named, "", result.namespace)
    for function, values in result.function_locals.items():
        _add_names(named, f"{function}:", values)
    for text, tensor in result.root_tensors.items():
        if not any(tensor is t for t in named.values()):
            named[text] = tensor
    return named


def _add_names(named: dict[str, torch.Tensor], prefix: str, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, torch.Tensor):
            if not is_stale_view(value):  # unbind's view after an in-place change: unusable
                named[prefix + name] = value
        elif isinstance(value, nn.Module):
            for param_name, param in _parameters_of(value):
                named[f"{prefix}{name}.{param_name}"] = param


def _parameters_of(module: nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
    """``module.named_parameters()``, read from the modules' own tables.

    Never through the module's methods: this runs after the program, outside its limits, and a
    program's class may define ``named_parameters`` or ``named_modules`` itself.
    """
    seen: set[int] = set()
    stack: list[tuple[str, nn.Module]] = [("", module)]
    visited: set[int] = set()
    while stack:
        prefix, current = stack.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        for name, param in current._parameters.items():
            if isinstance(param, torch.Tensor) and id(param) not in seen:
                seen.add(id(param))
                yield prefix + name, param
        children = [(n, m) for n, m in current._modules.items() if isinstance(m, nn.Module)]
        stack.extend((f"{prefix}{n}.", m) for n, m in reversed(children))

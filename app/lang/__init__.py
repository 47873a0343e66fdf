"""The gradtrace language: a safe subset of Python for PyTorch programs, run by our own interpreter.

``run_program`` parses, checks and runs a program; ``named_tensors`` lists the tensors a
finished program holds, under the names the graph and the page show.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import nn

from app.config import ProgramLimits
from app.lang.errors import LimitExceeded, NotAllowed, ProgramError, SyntaxProblem, clean_message
from app.lang.functions import UserFunction
from app.lang.interpreter import Interpreter
from app.lang.parse import parse_program
from app.lang.result import ProgramResult
from app.lang.state import isolated_global_state
from app.lang.surface import Namespace

__all__ = [
    "LimitExceeded",
    "NotAllowed",
    "ProgramError",
    "ProgramResult",
    "SyntaxProblem",
    "named_tensors",
    "run_program",
]


def run_program(
    source: str, limits: ProgramLimits | None = None, *, device: str = "cpu"
) -> ProgramResult:
    """Run ``source``; raise ProgramError (with line and column where known) if it fails."""
    limits = limits or ProgramLimits()
    tree = parse_program(source, limits)
    interpreter = Interpreter(limits)
    caught: list[str] = []

    def record_warning(message, category, filename, lineno, file=None, line=None) -> None:
        text = f"{category.__name__}: {clean_message(str(message))} (line {interpreter.line})"
        if text not in caught and len(caught) < 20:
            caught.append(text)

    with isolated_global_state(device), warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = record_warning
        try:
            interpreter.run(tree)
        except RecursionError:
            raise LimitExceeded(
                "max_call_depth", limits.max_call_depth, "the program nests too deeply"
            ) from None
        except MemoryError:
            raise LimitExceeded(
                "worker_memory_mb", "the worker's memory cap", "the program ran out of memory"
            ) from None
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
            named[prefix + name] = value
        elif isinstance(value, nn.Module):
            for param_name, param in value.named_parameters():
                named[f"{prefix}{name}.{param_name}"] = param

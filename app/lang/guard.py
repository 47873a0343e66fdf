"""The run-time guards every step of a program passes: steps, calls, attributes, sizes, output."""

from __future__ import annotations

import ast
import re
import types
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils import data as torch_data

from app.config import ProgramLimits
from app.lang import attributes, operators, sizes
from app.lang.builtins import TypeName
from app.lang.errors import LimitExceeded, NotAllowed, ProgramError, clean_message
from app.lang.functions import SuperProxy, UserFunction
from app.lang.surface import TORCH, Namespace, all_callables

_ALLOWED_CALLABLES = all_callables()
_CONTEXT_TYPES = (torch.no_grad, torch.enable_grad, torch.set_grad_enabled, torch.inference_mode)
_SUBSCRIPTABLE = (
    list, tuple, dict, str, range, torch.Tensor, np.ndarray, np.generic, torch.Size,
    nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, torch_data.TensorDataset,
    torch_data.Subset,
)  # fmt: skip
_ITEM_WRITABLE = (list, dict, torch.Tensor, np.ndarray, nn.ModuleList, nn.ModuleDict)
_SPEC_NUMBER = re.compile(r"\d{5,}")
_DATALOADER_OPTIONS = frozenset(
    {"dataset", "batch_size", "shuffle", "drop_last", "num_workers", "generator", "pin_memory"}
)
_PRINT_OPTION_BOUNDS = {"precision": 30, "threshold": 100_000, "edgeitems": 100, "linewidth": 1_000}
_STR_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


class OutputBuffer:
    """Captured stdout of a program, refused beyond its limit (never silently cut)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.limit:
            raise LimitExceeded("max_output_chars", self.limit, "the program printed too much")
        self.parts.append(text)

    def text(self) -> str:
        return "".join(self.parts)


class Guard:
    """Checks shared by every evaluation: the interpreter derives from it."""

    def __init__(self, limits: ProgramLimits):
        self.limits = limits
        self.steps = 0
        self.total_elements = 0
        self.user_classes: set[type] = set()
        self.user_callables: set[int] = set()
        self.keep_alive: list[Any] = []  # objects whose ids are in user_callables

    # ----- budgets -------------------------------------------------------------------------

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.limits.max_steps:
            raise LimitExceeded(
                "max_steps", self.limits.max_steps, "the program ran too many steps"
            )

    def account(self, value: Any) -> Any:
        """Count the elements a result holds, refusing oversize results and runaway totals."""
        if isinstance(value, (torch.Tensor, np.ndarray)):
            count = int(value.numel() if isinstance(value, torch.Tensor) else value.size)
            self._count(count)
        elif isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
            for item in value:
                if isinstance(item, torch.Tensor):
                    self._count(item.numel())
        return value

    def _count(self, count: int) -> None:
        if count > self.limits.max_tensor_elements:
            raise LimitExceeded(
                "max_tensor_elements",
                self.limits.max_tensor_elements,
                f"a tensor of {count} elements is too large",
            )
        self.total_elements += count
        if self.total_elements > self.limits.max_total_elements:
            raise LimitExceeded(
                "max_total_elements",
                self.limits.max_total_elements,
                "the program created too many tensor elements in total",
            )

    def check_size(self, count: int | None, what: str) -> None:
        if count is not None and count > self.limits.max_tensor_elements:
            raise LimitExceeded(
                "max_tensor_elements",
                self.limits.max_tensor_elements,
                f"{what} would create {count} elements",
            )

    # ----- attributes and items ------------------------------------------------------------

    def attribute_allowed(self, obj: Any, name: str) -> bool:
        return attributes.attribute_allowed(obj, name, self.user_classes)

    def get_attribute(self, obj: Any, name: str, node: ast.AST | None = None) -> Any:
        if isinstance(obj, SuperProxy):
            return obj.attribute(name)
        if not self.attribute_allowed(obj, name):
            raise NotAllowed(_refusal(obj, name), *_pos(node))
        if isinstance(obj, Namespace):
            return obj.member(name)
        return getattr(obj, name)

    def set_attribute(self, obj: Any, name: str, value: Any) -> None:
        if not attributes.attribute_writable(obj, name, self.user_classes):
            raise NotAllowed(f"assigning '{name}' on {_describe(obj)} is not allowed")
        setattr(obj, name, value)

    def subscript(self, owner: Any, index: Any) -> Any:
        if not isinstance(owner, _SUBSCRIPTABLE) and not isinstance(owner, dict):
            raise NotAllowed(f"indexing {_describe(owner)} is not allowed")
        return self.account(owner[index])

    def set_item(self, owner: Any, index: Any, value: Any) -> None:
        if isinstance(owner, (dict, _ITEM_WRITABLE)):
            owner[index] = value
            return
        raise NotAllowed(f"assigning items of {_describe(owner)} is not allowed")

    # ----- calls ---------------------------------------------------------------------------

    def check_callable(self, func: Any) -> None:
        if isinstance(func, UserFunction) or id(func) in _ALLOWED_CALLABLES:
            return
        if func in self.user_classes or id(func) in self.user_callables:
            return
        if isinstance(func, nn.Module):
            return  # calling a module runs its forward (torch's or the program's)
        if isinstance(func, types.MethodType) and id(func.__func__) in self.user_callables:
            return
        bound_to = getattr(func, "__self__", None)
        name = getattr(func, "__name__", None)
        if (
            isinstance(func, (types.MethodType, types.BuiltinMethodType, types.MethodWrapperType))
            and bound_to is not None
            and not isinstance(bound_to, types.ModuleType)
            and isinstance(name, str)
            and self.attribute_allowed(bound_to, name)
        ):
            return  # a method reached through an allowed attribute of its object
        if callable(func) and _is_builtin_of(self, func):
            return
        raise NotAllowed(f"calling {_describe(func)} is not allowed")

    def call(
        self,
        func: Any,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        owner: Any = None,
        method: str | None = None,
    ) -> Any:
        self.check_callable(func)
        is_program_code = isinstance(func, UserFunction) or func in self.user_classes
        if not is_program_code:
            self.check_arguments(func, args, kwargs)
        tensor_method = method if isinstance(owner, (torch.Tensor, np.ndarray)) else None
        if tensor_method is not None:
            estimate = sizes.estimate_call(None, tensor_method, (owner, *args), kwargs)
        else:
            estimate = sizes.estimate_call(func, None, tuple(args), kwargs)
        self.check_size(estimate, f"{method or getattr(func, '__name__', 'this call')}()")
        if isinstance(owner, str):
            self.check_string_growth(owner, method, args)
        result = func(*args, **kwargs)
        if isinstance(owner, (list, dict, set)):
            operators.check_length(owner, self.limits)
        operators.check_length(result, self.limits)
        return self.account(result)

    def check_string_growth(self, text: str, method: str | None, args: list[Any]) -> None:
        """str.center(10**9) or s.replace('', s) would build a huge string in one C call."""
        grown = 0
        if method in _STR_WIDTH_METHODS and args and isinstance(args[0], int):
            grown = args[0]
        elif method == "replace" and len(args) >= 2 and isinstance(args[0], str):
            grown = len(text) + text.count(args[0]) * len(str(args[1]))
        if grown > self.limits.max_sequence_length:
            raise LimitExceeded(
                "max_sequence_length",
                self.limits.max_sequence_length,
                f"the string would be {grown} characters long",
            )

    def check_arguments(self, func: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Refuse arguments that would make torch or numpy loop or allocate beyond the limits."""
        for value in (*args, *kwargs.values()):
            if isinstance(value, range) and len(value) > self.limits.max_sequence_length:
                raise LimitExceeded(
                    "max_sequence_length",
                    self.limits.max_sequence_length,
                    f"a range of {len(value)} items is too long to pass to a function",
                )
            if isinstance(value, (zip, enumerate, map, filter)):
                raise NotAllowed(
                    f"pass a list instead of a {type(value).__name__} object (wrap it in list())"
                )
        if func is torch_data.DataLoader:
            unknown = set(kwargs) - _DATALOADER_OPTIONS
            if unknown:
                raise NotAllowed(f"DataLoader option '{sorted(unknown)[0]}' is not supported")
            kwargs["num_workers"] = 0  # no worker processes inside the sandbox
            kwargs["pin_memory"] = False
        elif func is TORCH.member("set_printoptions"):
            for key, bound in _PRINT_OPTION_BOUNDS.items():
                value = kwargs.get(key)
                if isinstance(value, (int, float)) and value > bound:
                    raise LimitExceeded(f"printoptions.{key}", bound, f"{key} is too large")

    def check_context_manager(self, manager: Any, node: ast.AST) -> None:
        if not isinstance(manager, _CONTEXT_TYPES):
            raise NotAllowed(
                "only torch.no_grad(), torch.enable_grad(), torch.set_grad_enabled() and "
                "torch.inference_mode() can be used with 'with'",
                *_pos(node),
            )

    def check_format_spec(self, spec: Any, node: ast.AST) -> None:
        if isinstance(spec, str) and _SPEC_NUMBER.search(spec):
            raise LimitExceeded(
                "max_format_width", 9999, "a format width or precision is too large", *_pos(node)
            )

    # ----- errors --------------------------------------------------------------------------

    def runtime_error(self, exc: BaseException, node: ast.AST) -> ProgramError:
        """A Python or PyTorch exception as the user sees it: its own words, our position."""
        line, column = _pos(node)
        if isinstance(exc, ProgramError):
            return exc
        if isinstance(exc, MemoryError):
            return LimitExceeded(
                "worker_memory_mb", "the worker's memory cap", "the program ran out of memory",
                line, column,
            )  # fmt: skip
        if isinstance(exc, RecursionError):
            return LimitExceeded(
                "max_call_depth", self.limits.max_call_depth, "the program nests too deeply",
                line, column,
            )  # fmt: skip
        message = clean_message(str(exc))
        text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        return ProgramError("runtime", text, line, column)


def _is_builtin_of(guard: Guard, func: Any) -> bool:
    return id(func) in getattr(guard, "builtin_ids", ())


def _describe(obj: Any) -> str:
    if isinstance(obj, Namespace):
        return f"module '{obj.qualified_name}'"
    if isinstance(obj, TypeName):
        return repr(obj)
    if isinstance(obj, type):
        return f"class '{obj.__name__}'"
    if callable(obj) and hasattr(obj, "__name__"):
        return f"'{obj.__name__}'"
    return f"a {type(obj).__name__} object"


def _refusal(obj: Any, name: str) -> str:
    if isinstance(obj, Namespace):
        return f"'{obj.qualified_name}.{name}' is not available in gradtrace"
    if name.startswith("_"):
        return f"attribute '{name}' is not allowed: names starting with '_' are private"
    return f"attribute '{name}' of {_describe(obj)} is not allowed"


def _pos(node: ast.AST | None) -> tuple[int | None, int | None]:
    if node is None:
        return None, None
    line = getattr(node, "lineno", None)
    column = getattr(node, "col_offset", None)
    return line, (None if column is None else column + 1)

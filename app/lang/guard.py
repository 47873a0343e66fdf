"""The run-time guards every step of a program passes: steps, calls, attributes, sizes, output."""

from __future__ import annotations

import ast
import collections
import functools
import inspect
import re
import types
import weakref
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from torch import nn, optim
from torch.utils import data as torch_data

import app.lang.attributes as attributes
import app.lang.operators as operators
import app.lang.sizes as sizes
from app.config import ProgramLimits
from app.lang.builtins import TypeName
from app.lang.errors import LimitExceeded, NotAllowed, ProgramError, runtime_error_of
from app.lang.formatting import BoundFormat
from app.lang.functions import SuperProxy, UserFunction
from app.lang.surface import TORCH, Namespace, all_callables

if TYPE_CHECKING:
    from app.lang.host import Host

_ALLOWED_CALLABLES = all_callables()
# Context managers of torch a program may enter: each only sets and restores autograd's own state
# (saved_tensors_hooks' pack and unpack functions are callbacks, checked when it is made).
_CONTEXT_TYPES = (
    torch.no_grad, torch.enable_grad, torch.set_grad_enabled, torch.inference_mode,
    torch.autograd.detect_anomaly, torch.autograd.set_detect_anomaly,
    torch.autograd.graph.saved_tensors_hooks,
)  # fmt: skip
# Functions that take the program's function and give back a new one (torch.func's transforms):
# what they give calls the program's function, which guard_callbacks wrapped, so each call still
# goes through call(); the program may call what they give.
_TRANSFORMS = frozenset(
    id(f)
    for f in (
        *(getattr(torch.func, n, None) for n in (
            "grad", "grad_and_value", "vmap", "jacrev", "jacfwd", "hessian", "vjp", "jvp",
        )),
        getattr(torch, "vmap", None),
    )
    if f is not None
)  # fmt: skip
_SUBSCRIPTABLE = (
    list, tuple, dict, str, range, torch.Tensor, np.ndarray, np.generic, torch.Size,
    nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, torch_data.TensorDataset,
    torch_data.Subset, collections.deque,
)  # fmt: skip
_ITEM_WRITABLE = (
    list, dict, torch.Tensor, np.ndarray, nn.Sequential, nn.ModuleList, nn.ModuleDict,
    nn.ParameterList, collections.deque,
)  # fmt: skip
_SPEC_NUMBER = re.compile(r"\d{5,}")
_DATALOADER_OPTIONS = frozenset(
    {"dataset", "batch_size", "shuffle", "drop_last", "num_workers", "generator", "pin_memory"}
)
_PRINT_OPTION_BOUNDS = {"precision": 30, "threshold": 100_000, "edgeitems": 100, "linewidth": 1_000}
_TEXT_FUNCTIONS = frozenset({id(str), id(repr)})  # str(value), repr(value): see check_text
_PRINT_PROFILES = frozenset({"default", "short"})  # "full" prints every element
_STR_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
# Creators that hand back uninitialised memory, which in a warm worker can still hold an earlier
# program's numbers: their results are zero-filled before the program sees them.
_UNINITIALISED = frozenset(
    id(f) for f in (torch.empty, torch.empty_like, np.empty, np.empty_like, np.ndarray)
)
_LEGACY_CONSTRUCTORS = frozenset(
    id(cls)
    for cls in (torch.Tensor, torch.FloatTensor, torch.DoubleTensor, torch.HalfTensor,
                torch.IntTensor, torch.LongTensor, torch.ShortTensor, torch.ByteTensor,
                torch.CharTensor, torch.BoolTensor)
)  # fmt: skip
_MAY_BE_UNINITIALISED = _UNINITIALISED | _LEGACY_CONSTRUCTORS
# numpy dtype kinds a program may not hold: Python objects (whose operators run unchecked in C:
# an object array's ** or << grows integers past max_int_bits), text and raw bytes (whose size
# is not their element count).
_REFUSED_NUMPY_KINDS = frozenset("OUSV")
_SCALARS = frozenset({float, int, bool, str, type(None)})  # results with nothing to count
_METHOD_TYPES = (types.MethodType, types.BuiltinMethodType, types.MethodWrapperType)
_TENSORS: frozenset[type] = frozenset({torch.Tensor, nn.Parameter})
_GROWING_CONTAINERS: frozenset[type] = frozenset({list, dict, set})
_OWN_METHOD_OWNERS = _TENSORS | _GROWING_CONTAINERS | {str}
_SET_PRINTOPTIONS = TORCH.member("set_printoptions")
# Argument types that are never callbacks, ranges or iterators (see check_arguments).
_PLAIN_ARGUMENTS = frozenset(
    {int, float, bool, str, complex, type(None), slice, tuple, list, dict,
     torch.Tensor, nn.Parameter, torch.dtype, torch.device, torch.Size}
)  # fmt: skip


class Guard:
    """Checks shared by every evaluation: the interpreter derives from it."""

    def __reduce__(self) -> Any:
        # copy.deepcopy and pickle go through here: a copy would carry its own interpreter
        raise TypeError(f"cannot pickle '{type(self).__name__}' object")

    def __init__(self, limits: ProgramLimits):
        self.limits = limits
        self.steps = 0
        self.max_steps = limits.max_steps
        self.builtin_ids: set[int] = set()  # ids of the program's builtins (print, len...)
        self.total_elements = 0
        self.user_classes: set[type] = set()
        self.user_callables: set[int] = set()
        self.keep_alive: list[Any] = []  # objects whose ids are in user_callables
        self.guarded_callbacks: weakref.WeakSet[Any] = weakref.WeakSet()

    # ----- budgets -------------------------------------------------------------------------

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.limits.max_steps:
            raise LimitExceeded(
                "max_steps", self.limits.max_steps, "the program ran too many steps"
            )

    def account(self, value: Any) -> Any:
        """Count the elements a result holds, refusing oversize results and runaway totals."""
        kind = value.__class__
        if kind is torch.Tensor:  # most results: skip the checks below
            self._count(value.numel())
            return value
        if kind in _SCALARS:
            return value
        if isinstance(value, (torch.Tensor, np.ndarray)):
            if isinstance(value, np.ndarray) and value.dtype.kind in _REFUSED_NUMPY_KINDS:
                raise NotAllowed(
                    f"numpy arrays of dtype {value.dtype} are not supported: use numbers"
                )
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
            if name == "format" and type(obj) is str:
                return BoundFormat(cast("Host", self), obj)  # str.format, its fields checked
            if name == "__name__" and isinstance(obj, (TypeName, UserFunction, type, Namespace)):
                return _name_of(obj)
            raise NotAllowed(_refusal(obj, name), *_pos(node))
        if isinstance(obj, Namespace):
            return obj.member(name)
        return getattr(obj, name)

    def set_attribute(self, obj: Any, name: str, value: Any) -> None:
        if not attributes.attribute_writable(obj, name, self.user_classes):
            raise NotAllowed(f"assigning '{name}' on {_describe(obj)} is not allowed")
        if isinstance(obj, nn.Module) and name == "forward":
            self.check_forward(value)
        if isinstance(obj, torch.Tensor) and name == "data":
            _check_replacement(obj, value, f"{name} of a tensor")
        elif (
            isinstance(obj, nn.Module)
            and not self.is_user_module(obj)
            and (name in obj._parameters or name in obj._buffers)
        ):
            # PyTorch's own layers hand their parameters to C++ kernels (LSTM's among them)
            # that trust the shapes they were built with: a smaller tensor there is read past
            # its end. Replacing one must keep its shape, dtype, device and contiguity.
            current = getattr(obj, name)
            if current is not None:
                _check_replacement(current, value, f"'{name}' of {_describe(obj)}")
        setattr(obj, name, value)

    def is_user_class(self, value: Any) -> bool:
        # Only a class can be one: hashing anything else may run Python code (a bound method
        # of a tensor hashes the tensor through torch's own __hash__).
        return isinstance(value, type) and value in self.user_classes

    def is_user_module(self, module: nn.Module) -> bool:
        return any(cls in self.user_classes for cls in type(module).__mro__)

    def subscript(self, owner: Any, index: Any) -> Any:
        if not isinstance(owner, _SUBSCRIPTABLE) and type(owner) not in self.user_classes:
            raise NotAllowed(f"indexing {_describe(owner)} is not allowed")
        return self.account(owner[index])

    def set_item(self, owner: Any, index: Any, value: Any) -> None:
        if isinstance(owner, _ITEM_WRITABLE) or type(owner) in self.user_classes:
            owner[index] = value  # a program's class: its __setitem__ is program code
            return
        raise NotAllowed(f"assigning items of {_describe(owner)} is not allowed")

    # ----- calls ---------------------------------------------------------------------------

    def check_callable(self, func: Any, owner: Any = None, method: str | None = None) -> None:
        """Refuse what the program may not call. ``owner.method`` (given only after
        get_attribute allowed that attribute) passes when ``func`` is its bound method."""
        if id(func) in _ALLOWED_CALLABLES or id(func) in self.builtin_ids:
            return
        if isinstance(func, UserFunction):
            return
        if method == "step" and _is_scheduler_step_wrapper(func, owner):
            return
        if (
            method is not None
            and type(func) in _METHOD_TYPES
            and func.__self__ is owner
            and func.__name__ == method
            and not isinstance(owner, types.ModuleType)
        ):
            return  # what the last branch below decides, without asking attribute_allowed again
        if self.is_user_class(func) or id(func) in self.user_callables:
            return
        if isinstance(func, nn.Module):
            return  # calling a module runs its forward (torch's or the program's)
        if type(func) in self.user_classes or type(func) is BoundFormat:
            return  # an instance of the program's class: its __call__ is program code
        if isinstance(func, types.MethodType) and (
            id(func.__func__) in self.user_callables or isinstance(func.__func__, UserFunction)
        ):
            return
        bound_to = getattr(func, "__self__", None)
        name = getattr(func, "__name__", None)
        if (
            isinstance(func, _METHOD_TYPES)
            and bound_to is not None
            and not isinstance(bound_to, types.ModuleType)
            and isinstance(name, str)
            and self.attribute_allowed(bound_to, name)
        ):
            return  # a method reached through an allowed attribute of its object
        if id(func) in attributes.LAYER_CLASS_FUNCTIONS:
            return  # a staticmethod of a layer class (Transformer.generate_square_subsequent_mask)
        raise NotAllowed(f"calling {_describe(func)} is not allowed")

    def is_program_code(self, func: Any) -> bool:
        """A function, method or class the program defined (it runs under the interpreter)."""
        if isinstance(func, UserFunction) or self.is_user_class(func):
            return True
        if type(func) in self.user_classes:
            return True  # an instance whose __call__ the program defined
        if type(func) is types.FunctionType and func in self.guarded_callbacks:
            return True  # a callback wrapped by guarded(): each call goes through call()
        if id(func) in self.user_callables:
            return True
        return isinstance(func, types.MethodType) and (
            id(func.__func__) in self.user_callables or isinstance(func.__func__, UserFunction)
        )

    def check_forward(self, value: Any) -> None:
        """A module's ``forward`` runs with the caller's arguments inside torch, past every check
        here: the program may set it only to its own function or method, or to a module."""
        if value is None or self.is_program_code(value) or isinstance(value, nn.Module):
            return
        raise NotAllowed(
            f"a module's forward must be a function defined in the program, not {_describe(value)}"
        )

    def guarded(self, function: Any) -> Any:
        """``function`` as a callback for library code: each call goes through ``call``."""

        def callback(*args: Any, **kwargs: Any) -> Any:
            return self.call(function, list(args), kwargs)

        self.guarded_callbacks.add(callback)
        return callback

    def call(
        self,
        func: Any,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        owner: Any = None,
        method: str | None = None,
    ) -> Any:
        if func.__class__ is UserFunction:  # the program's own def: check_callable passes it
            result = func(*args, **kwargs)
            operators.check_length(result, self.limits)
            return self.account(result)
        if (
            type(owner) in _OWN_METHOD_OWNERS
            and (
                type(func) is types.BuiltinMethodType
                or (type(func) is types.MethodType and type(owner) in _TENSORS)  # backward
            )
            and func.__self__ is owner
            and func.__name__ == method
        ):
            return self._call_own_method(func, args, kwargs, owner, method)
        self.check_callable(func, owner, method)
        if isinstance(func, UserFunction) or self.is_user_class(func):
            # The program's own code runs under the interpreter's checks: only its result is
            # left to look at. (Estimating from its arguments would guess at nothing.)
            result = func(*args, **kwargs)
            operators.check_length(result, self.limits)
            return self.account(result)
        self.check_arguments(func, args, kwargs)
        tensor_method = method if isinstance(owner, (torch.Tensor, np.ndarray)) else None
        if tensor_method is not None:
            estimate = sizes.estimate_call(None, tensor_method, (owner, *args), kwargs)
        else:
            estimate = sizes.estimate_call(func, None, tuple(args), kwargs)
        if estimate is not None and estimate > self.limits.max_tensor_elements:
            name = method or getattr(func, "__name__", None) or type(func).__name__
            self.check_size(estimate, f"{name}()")
        if isinstance(owner, str):
            self.check_string_growth(owner, method, args)
        if id(func) in _TEXT_FUNCTIONS and args:
            self.check_text(args[0])
        result = func(*args, **kwargs)
        if id(func) in _TRANSFORMS:
            self.register_made_functions(result)
        if isinstance(owner, (list, dict, set)):
            operators.check_length(owner, self.limits)
        operators.check_length(result, self.limits)
        if (method == "new_empty" or id(func) in _MAY_BE_UNINITIALISED) and _is_uninitialised(
            func, method, owner, args, kwargs
        ):
            _zero_fill(result)
        return self.account(result)

    def _call_own_method(
        self, func: Any, args: list[Any], kwargs: dict[str, Any], owner: Any, method: str
    ) -> Any:
        """``owner.method(...)`` where ``func`` is the method of that name bound to a tensor
        (C or Python), list, dict, set or str (C), which get_attribute allowed: what call()
        below does for it, without the branches that cannot apply (check_callable passes a
        method bound to its owner; it is not str, repr, a transform or an allocator)."""
        self.check_arguments(func, args, kwargs)
        kind = type(owner)
        if kind in _TENSORS:
            estimate = sizes.estimate_call(None, method, (owner, *args), kwargs)
        else:
            estimate = sizes.estimate_call(func, None, tuple(args), kwargs)
        if estimate is not None and estimate > self.limits.max_tensor_elements:
            self.check_size(estimate, f"{method}()")
        if kind is str:
            self.check_string_growth(owner, method, args)
        result = func(*args, **kwargs)
        if kind in _GROWING_CONTAINERS:
            operators.check_length(owner, self.limits)
        operators.check_length(result, self.limits)
        if method == "new_empty" and kind in _TENSORS:
            _zero_fill(result)
        return self.account(result)

    def register_made_functions(self, result: Any) -> None:
        """What a transform gave back: a function, or a tuple holding one (vjp, linearize)."""
        for value in result if isinstance(result, tuple) else (result,):
            if type(value) in (types.FunctionType, functools.partial):
                self.user_callables.add(id(value))
                self.keep_alive.append(value)

    def check_string_growth(self, text: str, method: str | None, args: list[Any]) -> None:
        """str.center(10**9), s.replace('', s) or s.join(many) build a huge string in one C call."""
        grown = 0
        if method in _STR_WIDTH_METHODS and args and isinstance(args[0], int):
            grown = args[0]
        elif method == "replace" and len(args) >= 2 and isinstance(args[0], str):
            grown = len(text) + text.count(args[0]) * len(str(args[1]))
        elif method == "join" and args and isinstance(args[0], (list, tuple)):
            items = args[0]
            grown = sum(len(s) for s in items if isinstance(s, str))
            grown += len(text) * max(0, len(items) - 1)
        if grown > self.limits.max_sequence_length:
            raise LimitExceeded(
                "max_sequence_length",
                self.limits.max_sequence_length,
                f"the string would be {grown} characters long",
            )

    def check_arguments(self, func: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Refuse arguments that would make torch or numpy loop or allocate beyond the limits."""
        if not args and not kwargs:
            return  # nothing to check (DataLoader() without a dataset fails by itself)
        if (
            all(type(value) in _PLAIN_ARGUMENTS for value in (*args, *kwargs.values()))
            and func is not torch_data.DataLoader
            and func is not _SET_PRINTOPTIONS
            and not kwargs.get("fused")
        ):
            return  # no callbacks, ranges or iterators: nothing below applies
        self.guard_callbacks(func, args, kwargs)
        # the program's builtins count every item they consume: iterators are theirs to take
        builtin = _is_builtin_of(self, func)
        for value in (*args, *kwargs.values()):
            if isinstance(value, range) and len(value) > self.limits.max_sequence_length:
                raise LimitExceeded(
                    "max_sequence_length",
                    self.limits.max_sequence_length,
                    f"a range of {len(value)} items is too long to pass to a function",
                )
            if not builtin and isinstance(value, (zip, enumerate, map, filter)):
                raise NotAllowed(
                    f"pass a list instead of a {type(value).__name__} object (wrap it in list())"
                )
        if func is torch_data.DataLoader:
            unknown = set(kwargs) - _DATALOADER_OPTIONS
            if unknown:
                raise NotAllowed(f"DataLoader option '{sorted(unknown)[0]}' is not supported")
            kwargs["num_workers"] = 0  # no worker processes inside the sandbox
            kwargs["pin_memory"] = False
        elif func is _SET_PRINTOPTIONS:
            options = _bind(func, args, kwargs)
            for key, bound in _PRINT_OPTION_BOUNDS.items():
                value = options.get(key)
                if isinstance(value, (int, float)) and value > bound:
                    raise LimitExceeded(f"printoptions.{key}", bound, f"{key} is too large")
            profile = options.get("profile")
            if profile is not None and profile not in _PRINT_PROFILES:
                raise NotAllowed(f"print profile {profile!r} is not supported (use 'default')")
        if kwargs.get("fused"):
            raise NotAllowed("fused optimizers are not supported: leave out fused=True")

    def guard_callbacks(self, func: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Functions passed to library code (``opt.step(closure)``, ``list.sort(key=...)``)
        are called by it directly, past every check here. Each must be something the program
        may call (a grad_fn Node is not), and is replaced by a wrapper that calls it through
        ``call``, so its arguments, sizes and result are checked like the program's own calls.
        Containers store values rather than call them: only their ``key`` is a callback."""
        if _is_builtin_of(self, func):
            return  # our builtins route their callbacks through call themselves
        if isinstance(getattr(func, "__self__", None), (list, dict, set, tuple, str)):
            keys = ["key"] if callable(kwargs.get("key")) else []
            positions: list[int] = []
        else:
            keys = [k for k, v in kwargs.items() if _is_callback(v)]
            positions = [i for i, v in enumerate(args) if _is_callback(v)]
        for key in keys:
            self.check_callback(kwargs[key])
            kwargs[key] = self.guarded(kwargs[key])
        for index in positions:
            self.check_callback(args[index])
            args[index] = self.guarded(args[index])

    def check_callback(self, value: Any) -> None:
        try:
            self.check_callable(value)
        except NotAllowed:
            raise NotAllowed(f"passing {_describe(value)} as a function is not allowed") from None

    def check_context_manager(self, manager: Any, node: ast.AST) -> bool:
        """Refuse what may not follow ``with``; True when it is the program's own object (its
        __enter__ and __exit__ are program code)."""
        if isinstance(manager, _CONTEXT_TYPES):
            return False
        if type(manager) in self.user_classes:
            return True
        raise NotAllowed(
            "only torch.no_grad(), torch.enable_grad(), torch.set_grad_enabled(), "
            "torch.inference_mode(), torch.autograd.detect_anomaly(), "
            "torch.autograd.graph.saved_tensors_hooks() and objects of the program's own classes "
            "can be used with 'with'",
            *_pos(node),
        )

    def check_text(self, value: Any) -> None:
        """Refuse, before Python builds it, the text of a value that would be huge: a list of
        one big tensor repeated 10**5 times, or of itself repeated (``L = [L, L]``)."""
        limit = self.limits.max_sequence_length
        length = sizes.text_length(value, limit)
        if length > limit:
            raise LimitExceeded(
                "max_sequence_length", limit, "the text of this value would be too long"
            )

    def check_format_spec(self, spec: Any, node: ast.AST | None) -> None:
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
        if isinstance(exc, MemoryError) or _is_allocation_failure(exc):
            return LimitExceeded(
                "worker_memory_mb", "the worker's memory cap", "the program ran out of memory",
                line, column,
            )  # fmt: skip
        if isinstance(exc, RecursionError):
            return LimitExceeded(
                "max_call_depth", self.limits.max_call_depth, "the program nests too deeply",
                line, column,
            )  # fmt: skip
        if not isinstance(exc, Exception):
            raise exc  # KeyboardInterrupt, SystemExit: not the program's to see
        placed = vars(exc).get("__gradtrace_error__") if hasattr(exc, "__dict__") else None
        if isinstance(placed, ProgramError) and placed.original is exc:
            return placed  # raised by program code that Python called (see method_wrapper)
        return runtime_error_of(exc, line, column)


def _name_of(obj: Any) -> str:
    if isinstance(obj, TypeName):
        return obj.cls_name
    if isinstance(obj, Namespace):
        return obj.qualified_name
    return str(obj.__name__ if isinstance(obj, type) else obj.name)


def _is_builtin_of(guard: Guard, func: Any) -> bool:
    return id(func) in guard.builtin_ids


def _is_scheduler_step_wrapper(func: Any, owner: Any) -> bool:
    """``optimizer.step`` once an LR scheduler holds the optimizer: torch replaces the bound
    method by a function that counts calls and then calls the optimizer class's own step."""
    return (
        isinstance(owner, optim.Optimizer)
        and getattr(func, "_wrapped_by_lr_sched", False) is True
        and getattr(func, "__wrapped__", None) is getattr(type(owner), "step", None)
    )


def _is_callback(value: Any) -> bool:
    """A callable argument other than a module (an object torch uses) or a class (a dtype)."""
    return callable(value) and not isinstance(value, (nn.Module, type))


def _bind(func: Any, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Arguments by parameter name, however the program passed them."""
    try:
        return dict(inspect.signature(func).bind(*args, **kwargs).arguments)
    except (TypeError, ValueError):
        return dict(kwargs)  # the call itself will raise the TypeError


def _check_replacement(current: Any, value: Any, what: str) -> None:
    """``x.data = value`` and a layer's parameters: same shape, dtype, device, own memory."""
    if not isinstance(current, torch.Tensor):
        return
    if not isinstance(value, torch.Tensor):
        raise NotAllowed(f"{what} must be a tensor")
    same = (
        value.shape == current.shape
        and value.dtype == current.dtype
        and value.device == current.device
    )
    if not same:
        raise NotAllowed(
            f"{what} can only be replaced by a tensor of the same shape, dtype and device "
            f"({tuple(current.shape)}, {current.dtype}, {current.device}); got "
            f"({tuple(value.shape)}, {value.dtype}, {value.device})"
        )
    if not value.is_contiguous():
        raise NotAllowed(f"{what} can only be replaced by a contiguous tensor (use .contiguous())")


def _is_uninitialised(
    func: Any, method: str | None, owner: Any, args: list[Any], kwargs: dict[str, Any]
) -> bool:
    if method == "new_empty" and isinstance(owner, torch.Tensor):
        return True
    if id(func) in _UNINITIALISED:
        return True
    # torch.Tensor(2, 3) allocates a shape; torch.Tensor([2, 3]) copies data
    return (
        id(func) in _LEGACY_CONSTRUCTORS
        and sizes.estimate_call(func, None, tuple(args), kwargs) is not None
    )


def _zero_fill(result: Any) -> None:
    if isinstance(result, torch.Tensor):
        with torch.no_grad():
            result.zero_()
    elif isinstance(result, np.ndarray) and result.flags.owndata and result.flags.writeable:
        result.fill(0)


def _is_allocation_failure(exc: BaseException) -> bool:
    """PyTorch's allocators raise RuntimeError (CPU) or OutOfMemoryError (CUDA), not
    MemoryError, when the worker's memory cap or the device is exhausted."""
    if isinstance(exc, torch.OutOfMemoryError):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and (
        "can't allocate memory" in text or "not enough memory" in text
    )


def refuse_fused_step(optimizer: optim.Optimizer, args: Any, kwargs: Any) -> None:
    """A global optimizer step pre-hook while a program runs: fused kernels (Adam, AdamW, SGD)
    index a parameter's state by the parameter's size without checking it, so a program that
    resizes a parameter or edits optimizer.state writes out of bounds. ``fused`` can be set
    on a param group after construction, so it is refused at every step, however reached."""
    if any(group.get("fused") for group in optimizer.param_groups):
        raise NotAllowed("fused optimizers are not supported: set fused to False or None")


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
    reason = attributes.refusal_reason(obj, name)  # a refused family's (app/lang/policy.py)
    because = f": {reason}" if reason else ""
    if isinstance(obj, Namespace):
        return f"'{obj.qualified_name}.{name}' is not available in gradtrace{because}"
    if name.startswith("_"):
        return f"attribute '{name}' is not allowed: names starting with '_' are private"
    return f"attribute '{name}' of {_describe(obj)} is not allowed{because}"


def _pos(node: ast.AST | None) -> tuple[int | None, int | None]:
    if node is None:
        return None, None
    line = getattr(node, "lineno", None)
    column = getattr(node, "col_offset", None)
    return line, (None if column is None else column + 1)

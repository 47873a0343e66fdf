"""Which attributes a program may read or write, decided by the concrete type of the object.

An object whose type is not described here has no readable attributes at all. Names starting
with '_' never pass. torch's tables are built from the real classes under the principle in
``policy.py``: every public Tensor method and property, the public nn.Module API and each
layer's configuration, minus the refused families (``storage``, ``as_strided``, ``set_``,
``to_empty``...), which are refused with a message that names the attribute and the reason.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import types
from typing import Any

import numpy as np
import torch
import torch.distributions as distributions
from torch import nn, optim
from torch.nn.utils import rnn
from torch.utils import data as torch_data
from torch.utils.hooks import RemovableHandle

from app.lang import policy
from app.lang.parse import SPECIAL_METHODS
from app.lang.stdlib import relib
from app.lang.surface import TORCH, Namespace


def _public(cls: type, qualified: str) -> frozenset[str]:
    """Public attribute names of ``cls`` that are not in a refused family."""
    return frozenset(
        name
        for name in dir(cls)
        if not name.startswith("_") and not policy.is_refused(f"{qualified}.{name}")
    )


# Every public Tensor method and property that is not in a refused family.
TENSOR_ATTRS = _public(torch.Tensor, "torch.Tensor")

NDARRAY_ATTRS = frozenset(
    """
shape dtype ndim size T real imag itemsize nbytes
reshape copy sum mean max min std var prod cumsum argmax argmin all any tolist item astype
flatten ravel transpose squeeze dot clip round fill sort argsort nonzero
""".split()
)

NUMPY_SCALAR_ATTRS = frozenset("item dtype shape ndim real imag astype tolist".split())

# The public nn.Module API, less its class-level settings (T_destination, dump_patches...).
MODULE_ATTRS = frozenset(
    name
    for name in _public(nn.Module, "torch.nn.Module")
    if callable(getattr(nn.Module, name)) and not isinstance(getattr(nn.Module, name), type)
) | {"training"}
# Methods that replace a module's parameters or buffers without the shape check of
# guard.set_attribute: allowed only on modules made of the program's own classes.
OWN_MODULE_ATTRS = frozenset(
    name
    for name in dir(nn.Module)
    if policy.family_of(f"torch.nn.Module.{name}") is policy.LAYER_SHAPES
)
_NOT_CONFIGURATION = frozenset({"device", "dtype", "args", "kwargs", "self"})


# Constructors and helpers a layer class offers on the class itself.
LAYER_CLASS_ATTRS: dict[type, frozenset[str]] = {
    nn.Embedding: frozenset({"from_pretrained"}),
    nn.EmbeddingBag: frozenset({"from_pretrained"}),
    nn.Transformer: frozenset({"generate_square_subsequent_mask"}),
}
# What those are when the program calls them (a classmethod bound to its class passes the
# guard as a method; a staticmethod is a plain function, allowed by identity).
LAYER_CLASS_FUNCTIONS = frozenset({id(nn.Transformer.generate_square_subsequent_mask)})

# Instance methods only: a static or class method reached through an instance is not a method
# bound to it, which the guard's call path does not accept (generate_square_subsequent_mask).
_METHODS = (types.FunctionType,)
_SELF_ASSIGNMENT = re.compile(r"\bself\.([A-Za-z]\w*)\s*(?::[^=\n]+)?=(?!=)")


def _layer_configuration(cls: type) -> frozenset[str]:
    """A torch layer's public configuration and methods: its __constants__, the parameters of
    its __init__, what the __init__ of it and its torch bases store on ``self``, and the public
    properties and methods its classes define (ModuleList.append, reset_parameters...)."""
    names = set(getattr(cls, "__constants__", ()))
    with contextlib.suppress(TypeError, ValueError):
        names |= set(inspect.signature(vars(cls).get("__init__", cls)).parameters)
    for base in cls.__mro__:
        if base in (nn.Module, object):
            break
        names |= {k for k, v in vars(base).items() if isinstance(v, (property, *_METHODS))}
        init = vars(base).get("__init__")
        if init is not None:
            with contextlib.suppress(OSError, TypeError):
                names |= set(_SELF_ASSIGNMENT.findall(inspect.getsource(init)))
    return frozenset(
        n for n in names
        if not n.startswith("_") and n not in _NOT_CONFIGURATION
        and not policy.is_refused(f"torch.nn.{cls.__name__}.{n}")
        and policy.family_of(f"torch.nn.Module.{n}") is None
    )  # fmt: skip


LAYER_ATTRS: dict[type, frozenset[str]] = {
    cls: _layer_configuration(cls)
    for cls in TORCH.member("nn").members().values()
    if isinstance(cls, type) and issubclass(cls, nn.Module) and cls is not nn.Module
}

OPTIMIZER_ATTRS = frozenset("step zero_grad param_groups state add_param_group defaults".split())
SCHEDULER_ATTRS = frozenset("step get_last_lr last_epoch base_lrs".split())
DATALOADER_ATTRS = frozenset("dataset batch_size drop_last".split())
DATASET_ATTRS = frozenset("tensors dataset indices datasets cumulative_sizes".split())
_DATASETS = (torch_data.TensorDataset, torch_data.Subset, torch_data.ConcatDataset,
             torch_data.StackDataset)  # fmt: skip
HANDLE_ATTRS = frozenset({"remove", "id"})  # what register_*_hook returns
GENERATOR_ATTRS = frozenset("manual_seed seed initial_seed device get_state set_state".split())
FINFO_ATTRS = frozenset("bits eps max min tiny smallest_normal resolution dtype".split())
# A PackedSequence's fields and its tensor-like methods (to, float...), less pin_memory.
PACKED_SEQUENCE_ATTRS = _public(rnn.PackedSequence, "torch.Tensor")


def _constraint_names(cls: type) -> list[str]:
    constraints = vars(cls).get("arg_constraints")
    return list(constraints) if isinstance(constraints, dict) else []


# Every public name of torch's distributions: methods, parameters and lazy properties.
DISTRIBUTION_ATTRS = frozenset(
    name
    for cls in TORCH.member("distributions").members().values()
    if isinstance(cls, type)
    for name in (*dir(cls), *_constraint_names(cls))
    if not name.startswith("_")
    and not policy.is_refused(f"torch.distributions.Distribution.{name}")
)
NODE_ATTRS = frozenset({"name", "next_functions", "metadata"})
DTYPE_ATTRS = frozenset({"is_floating_point", "is_complex", "is_signed", "itemsize"})
DEVICE_ATTRS = frozenset({"type", "index"})
SIZE_ATTRS = frozenset({"numel", "index", "count"})
# The fields of every named tuple torch returns (values/indices, U/S/Vh, LU/pivots...).
RETURN_TYPE_ATTRS = frozenset(
    field
    for name in dir(torch.return_types)
    if isinstance(getattr(torch.return_types, name), type)
    for field in getattr(getattr(torch.return_types, name), "__match_args__", ())
) | {"mean", "std"}

BUILTIN_ATTRS: dict[type, frozenset[str]] = {
    list: frozenset("append extend insert pop remove index count sort reverse copy clear".split()),
    dict: frozenset("keys values items get update pop setdefault copy clear".split()),
    tuple: frozenset({"index", "count"}),
    set: frozenset(
        "add remove discard union intersection difference update pop copy clear".split()
    ),
    str: frozenset(
        """
upper lower strip lstrip rstrip split rsplit join replace startswith endswith find rfind
count title capitalize center ljust rjust zfill isdigit isalpha isalnum isspace splitlines
""".split()
    ),
    int: frozenset({"real", "imag", "bit_length", "conjugate"}),
    float: frozenset({"real", "imag", "is_integer", "conjugate"}),
    bool: frozenset({"real", "imag"}),
    complex: frozenset({"real", "imag", "conjugate"}),
}

# Attributes a program may assign, by owner type (user classes are handled by the caller).
TENSOR_WRITABLE = frozenset({"data", "grad", "requires_grad"})


# What nn.Module keeps for itself under private names (its parameter and hook tables...): a
# program's module subclass may have private attributes of its own, never these.
_MODULE_INTERNALS = frozenset(vars(nn.Module())) | frozenset(
    n for n in dir(nn.Module) if n.startswith("_")
)
# The context object of a program's torch.autograd.Function (``ctx``), besides what the program
# stores on it (``ctx.constant = c``).
CTX_ATTRS = frozenset(
    """
save_for_backward saved_tensors needs_input_grad mark_dirty mark_non_differentiable
set_materialize_grads save_for_forward
""".split()
)
EXCEPTION_ATTRS = frozenset({"args"})
FUNCTION_CLASS_ATTRS = frozenset({"apply"})


@functools.cache  # the tables never change
def readable_by_class(name: str) -> frozenset[type]:
    """The classes whose instances' ``<name>`` attribute_allowed allows by the class alone: the
    builtin types and the tensor classes its first tables decide. A program's call site may
    read the attribute of such an object without asking again."""
    if name.startswith("_"):
        return frozenset()
    classes = {cls for cls, names in BUILTIN_ATTRS.items() if name in names}
    if name in TENSOR_ATTRS:
        classes |= {torch.Tensor, nn.Parameter}  # decided by isinstance(obj, torch.Tensor)
    return frozenset(classes)


def attribute_allowed(obj: Any, name: str, user_classes: set[type]) -> bool:
    """True when a program may read ``obj.<name>``."""
    if name.startswith("_"):
        return _private_allowed(obj, name, user_classes)
    plain = BUILTIN_ATTRS.get(type(obj))
    if plain is not None:  # list, dict, str, int...: by far the most common, looked up first
        return name in plain
    if isinstance(obj, Namespace):
        return obj.has(name)
    if isinstance(obj, torch.Tensor):
        return name in TENSOR_ATTRS
    if isinstance(obj, nn.Module):
        return _module_attribute_allowed(obj, name, user_classes)
    if isinstance(obj, np.ndarray):
        return name in NDARRAY_ATTRS
    if isinstance(obj, np.generic):
        return name in NUMPY_SCALAR_ATTRS
    if isinstance(obj, torch.Size):
        return name in SIZE_ATTRS or name in BUILTIN_ATTRS[tuple]
    if type(obj) in user_classes:  # before the library's tables: its class may derive from one
        return _own_attribute(obj, name, user_classes) or _inherited(obj, name)
    if isinstance(obj, optim.Optimizer):
        return name in OPTIMIZER_ATTRS
    if isinstance(obj, optim.lr_scheduler.LRScheduler):
        return name in SCHEDULER_ATTRS
    if isinstance(obj, torch_data.DataLoader):
        return name in DATALOADER_ATTRS
    if isinstance(obj, _DATASETS):
        return name in DATASET_ATTRS
    if isinstance(obj, distributions.Distribution):
        return name in DISTRIBUTION_ATTRS
    if isinstance(obj, RemovableHandle):
        return name in HANDLE_ATTRS
    if isinstance(obj, rnn.PackedSequence):
        return name in PACKED_SEQUENCE_ATTRS
    if isinstance(obj, torch.Generator):
        return name in GENERATOR_ATTRS
    if isinstance(obj, (torch.finfo, torch.iinfo)):
        return name in FINFO_ATTRS
    if isinstance(obj, torch.autograd.function.BackwardCFunction):
        return name in CTX_ATTRS or name in NODE_ATTRS or name in vars(obj)
    if isinstance(obj, torch.autograd.graph.Node):
        return name in NODE_ATTRS
    if isinstance(obj, re.Pattern):
        return name in relib.PATTERN_ATTRS
    if isinstance(obj, re.Match):
        return name in relib.MATCH_ATTRS
    if isinstance(obj, torch.dtype):
        return name in DTYPE_ATTRS
    if isinstance(obj, torch.device):
        return name in DEVICE_ATTRS
    if type(obj).__module__ == "torch.return_types":
        return name in RETURN_TYPE_ATTRS
    if isinstance(obj, type) and obj not in user_classes:
        return name in LAYER_CLASS_ATTRS.get(obj, ())
    if isinstance(obj, type):
        return obj in user_classes and (
            _defined_by_program(obj, name, user_classes)
            or (issubclass(obj, torch.autograd.Function) and name in FUNCTION_CLASS_ATTRS)
        )
    if isinstance(obj, BaseException):
        return name in EXCEPTION_ATTRS
    allowed = getattr(type(obj), "gradtrace_attributes", None)  # our own helper objects
    if isinstance(allowed, frozenset) and type(obj).__module__.startswith("app.lang"):
        return name in allowed
    return False


# Private names PyTorch documents for reading (autograd mechanics): a tensor's version counter
# and view base; a graph node's saved values (``y.grad_fn._saved_self``).
TENSOR_PRIVATE_ATTRS = frozenset({"_version", "_base"})
# A program's module may read its own tables, as d2l's MySequential fills ``self._modules``.
MODULE_OWN_TABLES = frozenset({"_modules", "_parameters", "_buffers"})


def _private_allowed(obj: Any, name: str, user_classes: set[type]) -> bool:
    """``obj._name`` / ``obj.__name__``: a private name of the program's own object, one of the
    few PyTorch documents, or a special method the program defined, called by its name."""
    if name.startswith("__"):
        cls = obj if isinstance(obj, type) else type(obj)
        return name in SPECIAL_METHODS and _defined_by_program(cls, name, user_classes)
    if isinstance(obj, torch.Tensor):
        return name in TENSOR_PRIVATE_ATTRS
    if isinstance(obj, torch.autograd.graph.Node):
        return name.startswith("_saved_")
    if isinstance(obj, nn.Module) and name in MODULE_OWN_TABLES:
        return type(obj) in user_classes
    return _own_attribute(obj, name, user_classes)


def _defined_by_program(cls: type, name: str, user_classes: set[type]) -> bool:
    """A method or class attribute one of the program's classes defined."""
    return any(c in user_classes and name in c.__dict__ for c in cls.__mro__)


def _own_attribute(obj: Any, name: str, user_classes: set[type]) -> bool:
    """``obj.<name>`` is the program's own: set on its object, or defined by its class."""
    if isinstance(obj, type):
        return obj in user_classes and _defined_by_program(obj, name, user_classes)
    if not any(c in user_classes for c in type(obj).__mro__):
        return False
    if _defined_by_program(type(obj), name, user_classes):
        return True
    if isinstance(obj, nn.Module):
        if name in _MODULE_INTERNALS:
            return False
        registered = obj._parameters, obj._buffers, obj._modules
        return name in vars(obj) or any(name in table for table in registered)
    if name.startswith("_") and _has_library_base(type(obj)):
        return False  # an optimizer's or scheduler's private state is PyTorch's, not the program's
    return name in getattr(obj, "__dict__", ())


def _has_library_base(cls: type) -> bool:
    return any(c.__module__.startswith("torch") for c in cls.__mro__)


def _inherited(obj: Any, name: str) -> bool:
    """What a program's class gets from the library class it derives from."""
    return any(isinstance(obj, base) and name in names for base, names in _base_tables())


def _base_tables() -> tuple[tuple[type, frozenset[str]], ...]:
    return (
        (optim.Optimizer, OPTIMIZER_ATTRS),
        (optim.lr_scheduler.LRScheduler, SCHEDULER_ATTRS),
        (BaseException, EXCEPTION_ATTRS),
        *BUILTIN_ATTRS.items(),
    )


def _module_attribute_allowed(module: nn.Module, name: str, user_classes: set[type]) -> bool:
    registered = name in module._parameters or name in module._buffers or name in module._modules
    if registered or name in MODULE_ATTRS:
        return True
    if name in OWN_MODULE_ATTRS:
        return _only_program_classes(module, user_classes)
    if _defined_by_program(type(module), name, user_classes):
        return True  # a method or class attribute the program defined (mixins included)
    for cls in type(module).__mro__:
        if cls in user_classes:
            continue
        # the first of torch's classes: a layer of the tables has its configuration and methods
        # (a class outside them, such as ParametrizationList, inherits none of its bases')
        if name in LAYER_ATTRS.get(cls, ()):
            return True
        break
    # otherwise a public attribute of this instance: a layer's settings as PyTorch stored them
    # (``conv.padding``), or what the program set on it
    return name in module.__dict__


# torch's classes a program's module may derive from whose own code is Python over submodules:
# no kernel of theirs trusts a parameter's shape.
_PYTHON_CONTAINERS = frozenset({nn.Module, nn.Sequential, nn.ModuleList, nn.ModuleDict, object})


def _only_program_classes(module: nn.Module, user_classes: set[type]) -> bool:
    """The module's classes are the program's own, on nn.Module or a container: no torch layer
    among them."""
    return all(cls in user_classes or cls in _PYTHON_CONTAINERS for cls in type(module).__mro__)


def refusal_reason(obj: Any, name: str, user_classes: set[type] = frozenset()) -> str | None:  # type: ignore[assignment]
    """Why ``obj.<name>`` is refused, when it is a refused family's member (see policy.py)."""
    if isinstance(obj, Namespace):
        return obj.refusal_reason(name)
    if isinstance(obj, torch.Tensor):
        return policy.reason(f"torch.Tensor.{name}")
    if isinstance(obj, nn.Module):
        return policy.reason(f"torch.nn.Module.{name}")
    if isinstance(obj, distributions.Distribution):
        return policy.reason(f"torch.distributions.Distribution.{name}")
    return None


def attribute_writable(obj: Any, name: str, user_classes: set[type]) -> bool:
    """True when a program may assign ``obj.<name> = value``."""
    if name.startswith("__"):
        return False
    own = any(cls in user_classes for cls in type(obj).__mro__)
    if name.startswith("_") and (not own or name in _MODULE_INTERNALS):
        return False
    if isinstance(obj, torch.Tensor):
        return name in TENSOR_WRITABLE
    if isinstance(obj, nn.Module):
        if own or name in obj._parameters or name in obj._modules or name in obj._buffers:
            return True
        # a new name of the program's on one of PyTorch's layers (``layer.note = ...``): torch
        # never reads it; the layer's own settings stay as the layer was built
        return not hasattr(type(obj), name) and name not in vars(obj)
    if isinstance(obj, torch.autograd.function.BackwardCFunction):
        return not hasattr(type(obj), name)  # new names only, never the node's own
    if isinstance(obj, type):
        return obj in user_classes  # a class attribute of the program's class
    return own

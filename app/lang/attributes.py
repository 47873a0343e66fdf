"""Which attributes a program may read or write, decided by the concrete type of the object.

An object whose type is not described here has no readable attributes at all. Names starting
with '_' never pass. The tables name methods and properties explicitly; what is left out
(``storage``, ``as_strided``, ``tofile``, ``ctypes``, ``register_hook``...) is
refused with a message that names the attribute.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn, optim
from torch.utils import data as torch_data

from app.lang.surface import Namespace

TENSOR_ATTRS = frozenset(
    """
data grad grad_fn requires_grad is_leaf shape dtype device ndim T mT H real imag layout
is_cuda names
size dim numel nelement element_size item tolist numpy backward detach detach_ retain_grad data_ptr
retains_grad requires_grad_ zero_ clone contiguous is_contiguous to cpu cuda type type_as float
double half bfloat16 int long short bool byte char is_floating_point is_complex
view view_as reshape reshape_as flatten unflatten squeeze squeeze_ unsqueeze unsqueeze_
transpose transpose_ t t_ permute movedim swapaxes expand expand_as repeat repeat_interleave
tile flip roll narrow select index_select gather scatter scatter_ masked_fill masked_fill_
masked_select split chunk unbind diag diagonal tril triu
add add_ sub sub_ mul mul_ div div_ true_divide floor_divide remainder fmod neg neg_ pow pow_
square sqrt sqrt_ rsqrt exp exp_ log log_ log2 log10 log1p abs abs_ sign sin cos tan tanh
tanh_ sigmoid sigmoid_ relu relu_ floor ceil round trunc frac clamp clamp_ clip clip_
reciprocal lerp erf addmm addmv
matmul mm bmm mv dot outer inner kron
sum mean median mode nansum std var prod cumsum cumprod max min amax amin argmax argmin
logsumexp norm all any count_nonzero unique sort argsort topk
softmax log_softmax
eq ne gt ge lt le equal allclose isclose isnan isinf isfinite maximum minimum where
fill_ uniform_ normal_ copy_ new_tensor new_zeros new_ones new_full new_empty apply
""".split()
) - {"apply"}

NDARRAY_ATTRS = frozenset(
    """
shape dtype ndim size T real imag itemsize nbytes
reshape copy sum mean max min std var prod cumsum argmax argmin all any tolist item astype
flatten ravel transpose squeeze dot clip round fill sort argsort nonzero
""".split()
)

NUMPY_SCALAR_ATTRS = frozenset("item dtype shape ndim real imag astype tolist".split())

MODULE_ATTRS = frozenset(
    """
parameters named_parameters children named_children modules named_modules buffers
named_buffers zero_grad train eval training forward to cpu cuda float double half
requires_grad_ state_dict load_state_dict extra_repr
in_features out_features in_channels out_channels kernel_size stride padding dilation groups
num_features eps momentum affine normalized_shape p inplace negative_slope num_embeddings
embedding_dim input_size hidden_size num_layers batch_first bidirectional dim reduction
start_dim end_dim beta delta threshold value d_model nhead embed_dim num_heads
""".split()
)

OPTIMIZER_ATTRS = frozenset("step zero_grad param_groups state add_param_group defaults".split())
SCHEDULER_ATTRS = frozenset("step get_last_lr last_epoch base_lrs".split())
DATALOADER_ATTRS = frozenset("dataset batch_size drop_last".split())
DATASET_ATTRS = frozenset("tensors dataset indices".split())
NODE_ATTRS = frozenset({"name", "next_functions", "metadata"})
DTYPE_ATTRS = frozenset({"is_floating_point", "is_complex", "is_signed", "itemsize"})
DEVICE_ATTRS = frozenset({"type", "index"})
SIZE_ATTRS = frozenset({"numel", "index", "count"})
RETURN_TYPE_ATTRS = frozenset(
    "values indices eigenvalues eigenvectors U S V Vh Q R L solution mean std".split()
)

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


def attribute_allowed(obj: Any, name: str, user_classes: set[type]) -> bool:
    """True when a program may read ``obj.<name>``."""
    if name.startswith("_"):
        # one underscore: a private name of the program's own object; two: Python's machinery
        return not name.startswith("__") and _own_attribute(obj, name, user_classes)
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
    if isinstance(obj, optim.Optimizer):
        return name in OPTIMIZER_ATTRS
    if isinstance(obj, optim.lr_scheduler.LRScheduler):
        return name in SCHEDULER_ATTRS
    if isinstance(obj, torch_data.DataLoader):
        return name in DATALOADER_ATTRS
    if isinstance(obj, (torch_data.TensorDataset, torch_data.Subset)):
        return name in DATASET_ATTRS
    if isinstance(obj, torch.autograd.function.BackwardCFunction):
        return name in CTX_ATTRS or name in NODE_ATTRS or name in vars(obj)
    if isinstance(obj, torch.autograd.graph.Node):
        return name in NODE_ATTRS
    if isinstance(obj, torch.dtype):
        return name in DTYPE_ATTRS
    if isinstance(obj, torch.device):
        return name in DEVICE_ATTRS
    if type(obj).__module__ == "torch.return_types":
        return name in RETURN_TYPE_ATTRS
    if isinstance(obj, type):
        return obj in user_classes and (
            _defined_by_program(obj, name, user_classes)
            or (issubclass(obj, torch.autograd.Function) and name in FUNCTION_CLASS_ATTRS)
        )
    if type(obj) in user_classes:
        if isinstance(obj, BaseException) and name in EXCEPTION_ATTRS:
            return True
        return _own_attribute(obj, name, user_classes)
    if isinstance(obj, BaseException):
        return name in EXCEPTION_ATTRS
    allowed = getattr(type(obj), "gradtrace_attributes", None)  # our own helper objects
    if isinstance(allowed, frozenset) and type(obj).__module__.startswith("app.lang"):
        return name in allowed
    return False


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
    return name in getattr(obj, "__dict__", ())


def _module_attribute_allowed(module: nn.Module, name: str, user_classes: set[type]) -> bool:
    registered = name in module._parameters or name in module._buffers or name in module._modules
    if registered or name in MODULE_ATTRS:
        return True
    for cls in type(module).__mro__:
        if cls in user_classes and name in cls.__dict__:
            return True  # a method or class attribute the program defined
    # otherwise a public attribute of this instance: a layer's settings as PyTorch stored them
    # (``conv.padding``), or what the program set on it
    return name in module.__dict__


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

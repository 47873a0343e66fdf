"""The names a program can reach: modules as fixed tables of objects, built once at import.

torch's tables are built by enumerating the real modules under the principle written in
``policy.py`` (what computes on tensors, minus the refused families); numpy's and the
optimizers' are taken by explicit name (the standard library's, math included, are made per run
in app/lang/stdlib). Every member is stored by identity. At run time a
program's ``torch.foo`` is a lookup in these tables and never a ``getattr`` on torch, so
``torch.os``, ``torch.load`` or ``torch.jit`` simply do not exist.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

import numpy as np
import torch
import torch.func
import torch.nn.functional as F
from torch import nn, optim
from torch.utils import data as torch_data

from app.lang import checked, policy


class Namespace:
    """A module as a program sees it: a fixed, read-only table of members."""

    __slots__ = ("_members", "_name", "_refused")

    def __init__(self, name: str, members: Mapping[str, Any], refused: Mapping[str, str] = {}):
        self._name = name
        self._members = dict(members)
        self._refused = dict(refused)  # names of the real module left out, with the reason

    @property
    def qualified_name(self) -> str:
        return self._name

    def member(self, name: str) -> Any:
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(name) from None

    def has(self, name: str) -> bool:
        return name in self._members

    def members(self) -> Mapping[str, Any]:
        return self._members

    def refusal_reason(self, name: str) -> str | None:
        """Why ``name`` is not a member: its refused family, or not a computation on tensors."""
        return self._refused.get(name) or policy.reason(f"{self._name}.{name}")

    def __repr__(self) -> str:
        return f"<module '{self._name}'>"

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self  # a fixed table, like a module: copied by reference


def _take(module: ModuleType, names: Iterable[str]) -> dict[str, Any]:
    """Members of ``module`` by explicit name; names this torch version lacks are skipped."""
    return {name: getattr(module, name) for name in names if hasattr(module, name)}


def _computes(obj: Any) -> bool:
    """A function PyTorch defines to compute (not its dispatch, scripting or typing helpers)."""
    if isinstance(obj, types.BuiltinFunctionType):
        return getattr(obj, "__module__", None) in policy.COMPUTING_BUILTIN_MODULES
    if isinstance(obj, types.FunctionType):
        module = obj.__module__ or ""
        return (module == "torch" or module.startswith("torch.")) and (
            module not in policy.INTERNAL_MODULES
        )
    return False


def _enumerate(
    module: ModuleType,
    qualified: str,
    classes: Callable[[type], bool] = lambda cls: False,
    values: tuple[type, ...] = (),
    only: Iterable[str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The members of ``module`` that compute on tensors, by the principle in policy.py:
    its functions, the classes ``classes`` accepts and the values of types ``values``, minus
    the refused families. Also returns, for every other public name, why it is not there."""
    members: dict[str, Any] = {}
    refused: dict[str, str] = {}
    names = dir(module) if only is None else only
    for name in names:
        if name.startswith("_"):
            continue
        try:
            obj = getattr(module, name)
        except Exception:  # a lazy submodule that fails to import
            continue
        reason = policy.reason(f"{qualified}.{name}")
        if reason is not None:
            refused[name] = reason
        elif name in policy.HELPER_NAMES:
            refused[name] = policy.INTERNALS.reason
        elif isinstance(obj, type):
            if classes(obj):
                members[name] = obj
            else:
                refused[name] = policy.INTERNALS.reason
        elif _computes(obj) or (values and isinstance(obj, values)):
            members[name] = obj
        else:
            refused[name] = policy.INTERNALS.reason
    return members, refused


def _namespace(name: str, found: tuple[dict[str, Any], dict[str, str]], **extra: Any) -> Namespace:
    members, refused = found
    members = members | extra
    return Namespace(name, members, {k: v for k, v in refused.items() if k not in members})


_TORCH_CLASSES = frozenset(
    {torch.Tensor, torch.Size, torch.device, torch.dtype, torch.finfo, torch.iinfo,
     torch.Generator, torch.no_grad, torch.enable_grad, torch.set_grad_enabled,
     torch.inference_mode, torch.layout, torch.memory_format}
)  # fmt: skip
_LEGACY_TENSOR_TYPES = frozenset(
    {torch.FloatTensor, torch.DoubleTensor, torch.HalfTensor, torch.BFloat16Tensor,
     torch.IntTensor, torch.LongTensor, torch.ShortTensor, torch.ByteTensor, torch.CharTensor,
     torch.BoolTensor}
)  # fmt: skip
_TORCH_VALUES = (torch.dtype, torch.layout, torch.memory_format, torch.qscheme, float)
_GRAD_MODES = frozenset(
    {torch.no_grad, torch.enable_grad, torch.set_grad_enabled, torch.inference_mode}
)


def _torch_class(cls: type) -> bool:
    return cls in _TORCH_CLASSES or cls in _LEGACY_TENSOR_TYPES


def _nn_class(cls: type) -> bool:
    return issubclass(cls, nn.Module) or cls in (nn.Parameter, nn.Buffer)


_AUTOGRAD_CLASSES = frozenset(
    {torch.autograd.Function, torch.autograd.Variable, torch.autograd.detect_anomaly,
     torch.autograd.set_detect_anomaly}
)  # fmt: skip


def _autograd_class(cls: type) -> bool:
    return cls in _GRAD_MODES or cls in _AUTOGRAD_CLASSES


def _distribution_class(cls: type) -> bool:
    return issubclass(cls, torch.distributions.Distribution)


DATA_NAMES = """
TensorDataset DataLoader random_split Dataset IterableDataset Subset ConcatDataset StackDataset
default_collate default_convert
""".split()

# Every optimizer but SparseAdam (sparse tensors are closed, see policy.py); Optimizer itself is
# the base class of a program's own optimizer.
OPTIM_NAMES = """
SGD Adam AdamW RMSprop Adagrad Adadelta Adamax NAdam RAdam Rprop ASGD LBFGS Adafactor Muon
Optimizer
""".split()
SCHEDULER_NAMES = """
StepLR MultiStepLR ExponentialLR CosineAnnealingLR ReduceLROnPlateau LinearLR ConstantLR
OneCycleLR LambdaLR MultiplicativeLR CyclicLR CosineAnnealingWarmRestarts PolynomialLR
SequentialLR ChainedScheduler LRScheduler
""".split()

NUMPY_NAMES = """
array asarray arange linspace logspace zeros ones full empty eye identity zeros_like ones_like
full_like empty_like copy
add subtract multiply divide power square sqrt exp log log2 log10 abs absolute sign sin cos tan
arcsin arccos arctan tanh floor ceil round around clip maximum minimum
sum mean median std var prod cumsum max min amax amin argmax argmin all any dot matmul outer
inner where concatenate stack hstack vstack reshape transpose squeeze expand_dims flip sort
argsort unique allclose isclose isnan isinf isfinite polyfit polyval mean
float16 float32 float64 int8 int16 int32 int64 uint8 bool_ pi e inf nan newaxis ndarray
""".split()

NUMPY_RANDOM_NAMES = """
seed rand randn randint random normal uniform choice permutation shuffle
""".split()


def _torch_namespace() -> Namespace:
    import torch.autograd.functional as autograd_functional
    import torch.distributions as distributions
    import torch.func as func
    import torch.nn.utils.rnn as rnn
    from torch.optim import lr_scheduler

    functional = _namespace("torch.nn.functional", _enumerate(F, "torch.nn.functional"))
    init = _namespace("torch.nn.init", _enumerate(nn.init, "torch.nn.init"))
    utils_nn = _namespace(
        "torch.nn.utils",
        _enumerate(nn.utils, "torch.nn.utils"),
        rnn=_namespace("torch.nn.utils.rnn", _enumerate(rnn, "torch.nn.utils.rnn")),
    )
    nn_ns = _namespace(
        "torch.nn", _enumerate(nn, "torch.nn", _nn_class), functional=functional, init=init,
        utils=utils_nn,
    )  # fmt: skip
    scheduler = Namespace("torch.optim.lr_scheduler", _take(lr_scheduler, SCHEDULER_NAMES))
    optim_ns = Namespace("torch.optim", _take(optim, OPTIM_NAMES) | {"lr_scheduler": scheduler})
    data_ns = _namespace(
        "torch.utils.data",
        _enumerate(torch_data, "torch.utils.data", lambda cls: True, only=DATA_NAMES),
    )
    utils_ns = Namespace("torch.utils", {"data": data_ns})
    autograd_ns = _namespace(
        "torch.autograd",
        _enumerate(torch.autograd, "torch.autograd", _autograd_class),
        functional=_namespace(
            "torch.autograd.functional",
            _enumerate(autograd_functional, "torch.autograd.functional"),
        ),
        graph=Namespace(
            "torch.autograd.graph", {"saved_tensors_hooks": checked.saved_tensors_hooks}
        ),
    )
    cuda_ns = Namespace(
        "torch.cuda",
        _take(torch.cuda, ["is_available", "device_count", "manual_seed", "manual_seed_all"]),
    )
    computing = {
        name: _namespace(f"torch.{name}", _enumerate(module, f"torch.{name}"))
        for name, module in (("linalg", torch.linalg), ("fft", torch.fft),
                             ("special", torch.special))
    }  # fmt: skip
    computing["func"] = _namespace(
        "torch.func", _enumerate(func, "torch.func"), functional_call=checked.functional_call
    )
    distributions_ns = _namespace(
        "torch.distributions",
        _enumerate(distributions, "torch.distributions", _distribution_class),
    )
    found, refused = _enumerate(torch, "torch", _torch_class, _TORCH_VALUES)
    found |= computing | {
        "nn": nn_ns,
        "optim": optim_ns,
        "utils": utils_ns,
        "autograd": autograd_ns,
        "cuda": cuda_ns,
        "distributions": distributions_ns,
        "newaxis": None,
    }
    return Namespace("torch", found, {k: v for k, v in refused.items() if k not in found})


def _numpy_namespace() -> Namespace:
    random = Namespace("numpy.random", _take(np.random, NUMPY_RANDOM_NAMES))
    return Namespace("numpy", _take(np, NUMPY_NAMES) | {"random": random})


def _sklearn_datasets() -> Namespace:
    from sklearn import datasets

    names = ["make_regression", "make_classification", "make_moons", "make_circles", "make_blobs"]
    return Namespace("sklearn.datasets", _take(datasets, names))


TORCH = _torch_namespace()
NUMPY = _numpy_namespace()


def module_table(pyplot: Any) -> dict[str, Any]:
    """What ``import X`` binds, by dotted module name (pyplot is the run's plot recorder)."""
    nn_ns = TORCH.member("nn")
    table: dict[str, Any] = {
        "torch": TORCH,
        "torch.nn": nn_ns,
        "torch.nn.functional": nn_ns.member("functional"),
        "torch.nn.init": nn_ns.member("init"),
        "torch.nn.utils": nn_ns.member("utils"),
        "torch.nn.utils.rnn": nn_ns.member("utils").member("rnn"),
        "torch.optim": TORCH.member("optim"),
        "torch.optim.lr_scheduler": TORCH.member("optim").member("lr_scheduler"),
        "torch.utils": TORCH.member("utils"),
        "torch.utils.data": TORCH.member("utils").member("data"),
        "torch.autograd": TORCH.member("autograd"),
        "torch.autograd.functional": TORCH.member("autograd").member("functional"),
        "torch.linalg": TORCH.member("linalg"),
        "torch.fft": TORCH.member("fft"),
        "torch.special": TORCH.member("special"),
        "torch.func": TORCH.member("func"),
        "torch.autograd.graph": TORCH.member("autograd").member("graph"),
        "torch.distributions": TORCH.member("distributions"),
        "numpy": NUMPY,
        "matplotlib": Namespace("matplotlib", {"pyplot": pyplot}),
        "matplotlib.pyplot": pyplot,
    }
    with contextlib.suppress(ImportError):  # a dependency, but stay usable without it
        table["sklearn.datasets"] = _sklearn_datasets()
    return table


def all_callables() -> set[int]:
    """Identities of every function and class reachable through the tables."""
    seen: set[int] = set()
    stack = [TORCH, NUMPY]
    with contextlib.suppress(ImportError):
        stack.append(_sklearn_datasets())
    while stack:
        space = stack.pop()
        for value in space.members().values():
            if isinstance(value, Namespace):
                stack.append(value)
            elif callable(value):
                seen.add(id(value))
    return seen

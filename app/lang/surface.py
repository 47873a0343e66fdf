"""The names a program can reach: modules as fixed tables of objects, built once at import.

Every member is taken from the real module here, by an explicit name written in this file, and
stored by identity. At run time a program's ``torch.foo`` is a lookup in these tables and never
a ``getattr`` on torch, so ``torch.os``, ``torch.load`` or ``torch.jit`` simply do not exist.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

import numpy as np
import torch
import torch.func
import torch.nn.functional as F
from torch import nn, optim
from torch.utils import data as torch_data


class Namespace:
    """A module as a program sees it: a fixed, read-only table of members."""

    __slots__ = ("_members", "_name")

    def __init__(self, name: str, members: Mapping[str, Any]):
        self._name = name
        self._members = dict(members)

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

    def __repr__(self) -> str:
        return f"<module '{self._name}'>"

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self  # a fixed table, like a module: copied by reference


def _take(module: ModuleType, names: Iterable[str]) -> dict[str, Any]:
    """Members of ``module`` by explicit name; names this torch version lacks are skipped."""
    return {name: getattr(module, name) for name in names if hasattr(module, name)}


TORCH_FUNCTIONS = """
tensor as_tensor from_numpy zeros ones full empty eye zeros_like ones_like full_like empty_like
rand_like randn_like randint_like arange linspace logspace rand randn randint normal randperm
bernoulli multinomial manual_seed initial_seed seed
is_tensor is_floating_point is_complex numel
add sub subtract mul multiply div divide true_divide floor_divide remainder fmod neg negative
pow square sqrt rsqrt exp exp2 expm1 log log2 log10 log1p abs absolute sign sin cos tan asin acos
atan atan2 sinh cosh tanh asinh acosh atanh sigmoid relu floor ceil round trunc frac clamp clip
reciprocal lerp hypot erf erfc erfinv logit xlogy
matmul mm bmm mv dot outer ger inner addmm addmv baddbmm kron tensordot trace diag diagonal
tril triu cross
sum mean median mode nansum nanmean prod cumsum cumprod std var std_mean var_mean max min amax
amin argmax argmin logsumexp norm dist all any count_nonzero unique sort argsort topk kthvalue
eq ne gt ge lt le equal allclose isclose isnan isinf isfinite maximum minimum where masked_select
softmax log_softmax
cat concat concatenate stack hstack vstack dstack split chunk unbind reshape flatten squeeze
unsqueeze transpose permute t movedim swapaxes narrow select index_select gather scatter flip
roll rot90 broadcast_to broadcast_tensors clone detach cdist cosine_similarity
no_grad enable_grad set_grad_enabled is_grad_enabled inference_mode
get_default_dtype set_default_dtype set_printoptions
float16 half bfloat16 float32 float float64 double complex64 complex128 cfloat cdouble uint8
int8 int16 short int32 int int64 long bool
Tensor FloatTensor DoubleTensor HalfTensor IntTensor LongTensor ShortTensor ByteTensor
CharTensor BoolTensor Size device dtype
""".split()

NN_NAMES = """
Module Parameter Linear Bilinear Identity Flatten Unflatten Sequential ModuleList ModuleDict
ParameterList Conv1d Conv2d MaxPool1d MaxPool2d AvgPool1d AvgPool2d AdaptiveAvgPool2d
BatchNorm1d BatchNorm2d LayerNorm Dropout Embedding RNN LSTM GRU MultiheadAttention
TransformerEncoderLayer TransformerEncoder
ReLU ReLU6 LeakyReLU PReLU ELU SELU GELU SiLU Mish Sigmoid Tanh Softmax LogSoftmax Softplus
Softsign Hardtanh Threshold
MSELoss L1Loss SmoothL1Loss HuberLoss BCELoss BCEWithLogitsLoss CrossEntropyLoss NLLLoss
KLDivLoss CosineEmbeddingLoss
""".split()

FUNCTIONAL_NAMES = """
relu relu6 leaky_relu elu selu gelu silu mish sigmoid tanh softmax log_softmax softplus softsign
hardtanh linear bilinear dropout one_hot normalize pad conv1d conv2d max_pool1d max_pool2d
avg_pool1d avg_pool2d mse_loss l1_loss smooth_l1_loss huber_loss binary_cross_entropy
binary_cross_entropy_with_logits cross_entropy nll_loss kl_div cosine_similarity layer_norm
batch_norm embedding
""".split()

INIT_NAMES = """
uniform_ normal_ constant_ ones_ zeros_ eye_ xavier_uniform_ xavier_normal_ kaiming_uniform_
kaiming_normal_ trunc_normal_ orthogonal_ calculate_gain
""".split()

OPTIM_NAMES = "SGD Adam AdamW RMSprop Adagrad Adadelta Adamax NAdam RAdam".split()
SCHEDULER_NAMES = """
StepLR MultiStepLR ExponentialLR CosineAnnealingLR ReduceLROnPlateau LinearLR ConstantLR
OneCycleLR
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

MATH_NAMES = """
pi e inf nan tau sqrt exp log log2 log10 log1p expm1 sin cos tan asin acos atan atan2 sinh cosh
tanh floor ceil trunc fabs isnan isinf isfinite isclose hypot degrees radians copysign fmod
""".split()


def _torch_namespace() -> Namespace:
    from torch.optim import lr_scheduler

    functional = Namespace("torch.nn.functional", _take(F, FUNCTIONAL_NAMES))
    init = Namespace("torch.nn.init", _take(nn.init, INIT_NAMES))
    nn_members = _take(nn, NN_NAMES) | {"functional": functional, "init": init}
    nn_ns = Namespace("torch.nn", nn_members)
    scheduler = Namespace("torch.optim.lr_scheduler", _take(lr_scheduler, SCHEDULER_NAMES))
    optim_ns = Namespace("torch.optim", _take(optim, OPTIM_NAMES) | {"lr_scheduler": scheduler})
    data_ns = Namespace(
        "torch.utils.data",
        {
            "TensorDataset": torch_data.TensorDataset,
            "Dataset": torch_data.Dataset,
            "IterableDataset": torch_data.IterableDataset,
            "DataLoader": torch_data.DataLoader,
            "random_split": torch_data.random_split,
        },
    )
    utils_ns = Namespace("torch.utils", {"data": data_ns})
    autograd_ns = Namespace(
        "torch.autograd",
        {
            "grad": torch.autograd.grad,
            "backward": torch.autograd.backward,
            # Older tutorials wrap tensors in Variable(t, requires_grad=True): since PyTorch
            # 0.4 that returns a plain tensor sharing t's data.
            "Variable": torch.autograd.Variable,
            "Function": torch.autograd.Function,
            "detect_anomaly": torch.autograd.detect_anomaly,
            "set_detect_anomaly": torch.autograd.set_detect_anomaly,
            "functional": Namespace(
                "torch.autograd.functional",
                _take(
                    torch.autograd.functional, ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]
                ),
            ),
        },
    )
    cuda_ns = Namespace(
        "torch.cuda",
        _take(torch.cuda, ["is_available", "device_count", "manual_seed", "manual_seed_all"]),
    )
    linalg_ns = Namespace(
        "torch.linalg",
        _take(torch.linalg, ["norm", "vector_norm", "matrix_norm", "inv", "det", "solve", "svd",
                             "eigh", "qr", "pinv", "lstsq", "matrix_rank", "cholesky"]),
    )  # fmt: skip
    func_ns = Namespace(
        "torch.func",
        _take(torch.func, ["grad", "grad_and_value", "vmap", "jacrev", "jacfwd", "hessian", "vjp",
                           "jvp", "linearize", "functional_call"]),
    )  # fmt: skip
    members = _take(torch, TORCH_FUNCTIONS) | {
        "func": func_ns,
        "vmap": torch.vmap,
        "nn": nn_ns,
        "optim": optim_ns,
        "utils": utils_ns,
        "autograd": autograd_ns,
        "cuda": cuda_ns,
        "linalg": linalg_ns,
        "pi": math.pi,
        "inf": math.inf,
        "nan": math.nan,
        "e": math.e,
    }
    return Namespace("torch", members)


def _numpy_namespace() -> Namespace:
    random = Namespace("numpy.random", _take(np.random, NUMPY_RANDOM_NAMES))
    return Namespace("numpy", _take(np, NUMPY_NAMES) | {"random": random})


def _sklearn_datasets() -> Namespace:
    from sklearn import datasets

    names = ["make_regression", "make_classification", "make_moons", "make_circles", "make_blobs"]
    return Namespace("sklearn.datasets", _take(datasets, names))


TORCH = _torch_namespace()
NUMPY = _numpy_namespace()
MATH = Namespace("math", _take(math, MATH_NAMES))


def module_table(pyplot: Any) -> dict[str, Any]:
    """What ``import X`` binds, by dotted module name (pyplot is the run's plot recorder)."""
    nn_ns = TORCH.member("nn")
    table: dict[str, Any] = {
        "torch": TORCH,
        "torch.nn": nn_ns,
        "torch.nn.functional": nn_ns.member("functional"),
        "torch.nn.init": nn_ns.member("init"),
        "torch.optim": TORCH.member("optim"),
        "torch.optim.lr_scheduler": TORCH.member("optim").member("lr_scheduler"),
        "torch.utils": TORCH.member("utils"),
        "torch.utils.data": TORCH.member("utils").member("data"),
        "torch.autograd": TORCH.member("autograd"),
        "torch.autograd.functional": TORCH.member("autograd").member("functional"),
        "torch.func": TORCH.member("func"),
        "numpy": NUMPY,
        "math": MATH,
        "matplotlib": Namespace("matplotlib", {"pyplot": pyplot}),
        "matplotlib.pyplot": pyplot,
    }
    with contextlib.suppress(ImportError):  # a dependency, but stay usable without it
        table["sklearn.datasets"] = _sklearn_datasets()
    return table


def all_callables() -> set[int]:
    """Identities of every function and class reachable through the tables."""
    seen: set[int] = set()
    stack = [TORCH, NUMPY, MATH]
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

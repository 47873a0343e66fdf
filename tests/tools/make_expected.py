"""Generate tests/expected/<id>.json: what each example program in app/examples does under CPython.

This is a test-data generator, never product code. It runs the example programs with the real
CPython interpreter and real torch/numpy/scikit-learn, so that the tests of gradtrace's own
interpreter (app.lang) can compare against ground truth.

How the data is produced
------------------------
1. ``app/examples/index.json`` lists the examples (id, title, seed, description, expects_error).
   Every ``app/examples/<id>.py`` must be listed there and every listed id must have its file.
   Each program is first checked against the Python subset the service accepts (imports, statement
   and expression kinds; see ``check_subset``).
2. The programs are run in three fresh worker processes of this same script
   (``--worker``), one after the other, each with ``OMP_NUM_THREADS=1``:
     run 0: torch and numpy global RNGs seeded with 1, malloc untouched;
     run 1: seeded with 2, ``MALLOC_PERTURB_=85``;
     run 2: seeded with 3, ``MALLOC_PERTURB_=51``.
   The different seeds expose programs that use randomness without seeding it themselves (a
   program that calls ``torch.manual_seed`` is unaffected); MALLOC_PERTURB_ makes glibc fill fresh
   allocations with a different byte pattern, exposing uninitialised tensors such as
   ``torch.FloatTensor(2, 3)``; separate processes expose object addresses and ``id()``.
   A worker imports torch, then runs each program in a child process forked from it, so that
   programs share no state (RNG, torch's once-only warnings, imported modules) and the results
   do not depend on which examples were asked for. There the program runs with ``exec`` on
   fresh globals (``__name__`` is ``"__main__"``), stdout captured, every warning recorded, and
   ``matplotlib.pyplot`` replaced in ``sys.modules`` by ``FakePyplot`` below (matplotlib is not
   installed; the stand-in records the series a program plots). A program that raises is
   stopped there and its exception recorded.
3. Anything equal in all three runs is deterministic and written; anything that differs is
   written as null. The hand-written ``CHECKS`` below are evaluated in every run (on the
   program's final globals, with ``torch`` and ``np`` available) and must all hold, or nothing
   is written and the script exits 1. The same holds when a program's error does not match
   ``expects_error`` in the index.

Usage
-----
    .venv/bin/python tests/tools/make_expected.py              # regenerate every file
    .venv/bin/python tests/tools/make_expected.py ID [ID ...]  # only these examples
    .venv/bin/python tests/tools/make_expected.py --check      # exit 1 if any file is stale
    .venv/bin/python tests/tools/make_expected.py --features   # what the programs use

Output is idempotent: the same programs, torch and CPU give byte-identical files.

Schema of tests/expected/<id>.json
----------------------------------
  id, title, seed, expects_error   copied from the index
  stdout             exact printed text, or null when it differs between runs
  stdout_normalized  the text with every ``0x<hex>`` replaced by ``0xADDR`` when that is
                     deterministic (``print(y.grad_fn)`` prints an address), else null
  error              null, or {"type": "RuntimeError", "message": str(exc), "line": N}; line is the
                     program line being run when it raised
  warnings           [{"category", "message" (first line, less torch's "(Triggered internally at
                     ...)"), "line" (the program line running when it was issued)}], unique
  variables          {name: {...}} for every global torch.Tensor, in first-assignment order, and
                     "<name>.<param>" (e.g. "model.linear.weight", "model.0.bias") for the
                     parameters and buffers of every global nn.Module:
                       value          nested list (tensor.tolist()), null when nondeterministic
                       grad           nested list, null when there is no grad or it is
                                      nondeterministic (see has_grad)
                       has_grad       whether .grad was a tensor
                       deterministic  whether value and grad are both deterministic
                       shape, dtype ("float32"), requires_grad, is_leaf,
                       grad_fn (class name such as "MeanBackward0", or null)
                     floats that are not finite are written as the strings "nan", "inf", "-inf"
  python_values      {name: {"type", "value"}} for other plain globals: int, float, bool, str,
                     numpy scalars and arrays, lists/tuples of those; value null when
                     nondeterministic
  plots              {"series": number of plt.plot/plt.scatter calls, "figures": [{"index",
                     "title", "xlabel", "ylabel", "legend", "grid", "series": [{"kind" ("line" or
                     "scatter"), "n" (points), "label", "x", "y" (values; null when
                     nondeterministic)}]}]}; plt.show() or plt.figure() closes a figure
  checks             the tutorial's headline facts, hand-written in CHECKS below, each one of
                       {"expr": E, "equals": V, "tol": T}  E evaluated on the final globals
                                                            (tensors via .tolist()) equals V
                                                            elementwise within T (absolute)
                       {"expr": E, "between": [lo, hi]}     float(E) lies in [lo, hi]
                       {"stdout_contains": S}
                       {"stdout_regex": R}                  re.search(R, stdout, re.M) matches
                       {"stdout_regex": R, "between": [lo, hi]}
                                                            float(group 1 of the last match)
                                                            lies in [lo, hi]
                       {"error": TYPE, "message_contains": S}
                     each may carry a "note" in English.

Values come from one x86-64 CPU build of torch; compare floats with a small tolerance
(1e-5 relative), and compare stdout exactly only where it prints rounded numbers.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "app" / "examples"
EXPECTED = ROOT / "tests" / "expected"
INDEX = EXAMPLES / "index.json"

RUNS = [(1, None), (2, "85"), (3, "51")]  # (RNG seed, MALLOC_PERTURB_)
MAX_RECORDED_ELEMENTS = 10_000  # a bigger tensor is written with value null

ERR_SECOND_BACKWARD = "Trying to backward through the graph a second time"
THIRD = 1.0 / 3.0

# The tutorials' headline facts, checked against every run before anything is written.
CHECKS: dict[str, list[dict[str, Any]]] = {
    "seed001_mean_backward": [
        {
            "expr": "x.grad",
            "equals": [[THIRD] * 3] * 2,
            "tol": 1e-4,
            "note": "m = mean(2 * (x + 1)) over 6 elements, so dm/dx = 2/6 = 1/3 everywhere",
        },
        {"expr": "m.item()", "equals": 9.0, "tol": 1e-6},
        {"expr": "y.requires_grad", "equals": True},
        {"expr": "x.is_leaf and not z.is_leaf", "equals": True},
    ],
    "seed001_nonscalar_backward_error": [
        {
            "error": "RuntimeError",
            "message_contains": "grad can be implicitly created only for scalar outputs",
        },
        {
            "expr": "x.grad",
            "equals": [[THIRD] * 3] * 2,
            "tol": 1e-4,
            "note": "the m.backward() before the failing z.backward() still filled x.grad",
        },
    ],
    "seed001_second_backward_error": [
        {"error": "RuntimeError", "message_contains": ERR_SECOND_BACKWARD},
        {"expr": "x.grad", "equals": [[THIRD] * 3] * 2, "tol": 1e-4},
    ],
    "seed001_retain_graph": [
        {
            "expr": "x.grad",
            "equals": [[2 * THIRD] * 3] * 2,
            "tol": 1e-4,
            "note": "two backward passes accumulate 1/3 + 1/3",
        },
    ],
    "seed002_tensor_creation": [
        {"expr": "a.dtype == torch.float32 and b.dtype == torch.int64", "equals": True},
        {
            "expr": "list(c.shape)",
            "equals": [2, 3],
            "note": "FloatTensor(2, 3) is uninitialised: only its shape is defined",
        },
        {"expr": "e.tolist() == f.tolist() == d.tolist()", "equals": True},
        {"expr": "k", "equals": [0, 2, 4, 6, 8]},
        {"stdout_contains": "torch.Size([5])\ntorch.Size([5])\n"},
    ],
    "seed002_view_broadcasting": [
        {"expr": "p + q", "equals": [[2, 3], [3, 4], [4, 5]]},
        {"expr": "list(l.view(-1, 2).shape)", "equals": [3, 2]},
        {"expr": "torch.allclose(l - h, i)", "equals": True},
    ],
    "seed002_dynamic_graph": [
        {"expr": "x1.grad", "equals": 2.0, "note": "1 after the first backward, then 1 + 1"},
        {"expr": "x2.grad", "equals": 4.0, "note": "2 after the first backward, then 2 + 2"},
        {"stdout_contains": "tensor(1.)\ntensor(2.)\ntensor(2.)\ntensor(4.)\n"},
    ],
    "seed003_create_tensors": [
        {"stdout_contains": "tensor(10)\n"},
        {"stdout_contains": "tensor([[10., 20., 30.],\n        [40., 50., 60.]])\n"},
        {
            "stdout_contains": "tensor([2, 3], dtype=torch.int32)\n",
            "note": "IntTensor([2.5, 3.3]) truncates to int32",
        },
        {"expr": "data.dtype == torch.float64 and data.numel() == 0", "equals": True},
    ],
    "seed003_linear_random_tensors": [
        {"stdout_contains": "tensor([0, 2, 4, 6, 8])\n"},
        {"stdout_contains": "tensor([0., 1., 2., 3., 4., 5., 6., 7., 8., 9.])\n"},
        {
            "stdout_contains": "tensor([[ 0.3607, -0.2859, -0.3938],\n"
            "        [ 0.2429, -1.3833, -2.3134]])\n随机数种子: 100\n",
            "note": "randn(2, 3) right after torch.manual_seed(100)",
        },
    ],
    "seed003_zeros_ones_full": [
        {"expr": "data", "equals": [[20, 20, 20], [20, 20, 20]]},
        {"expr": "data.dtype == torch.int64", "equals": True},
    ],
    "seed003_dtype_conversion": [
        {"stdout_contains": "torch.int64\ntorch.float64\ntorch.int64\ntorch.float64\n"},
    ],
    "seed003_numpy_interop": [
        {
            "stdout_contains": "<class 'torch.Tensor'>\n<class 'numpy.ndarray'>\n"
            "tensor([100,   3,   4])\n[100   3   4]\n",
            "note": "numpy() shares memory with the tensor",
        },
        {
            "stdout_contains": "tensor([2, 3, 4])\n[100   3   4]\n",
            "note": "numpy().copy() does not",
        },
        {"stdout_contains": "30\n30\n"},
    ],
    "seed003_arithmetic": [
        {"expr": "data", "equals": [[5, 12], [21, 32]]},
        {
            "expr": "bool(((new_data >= 10) & (new_data < 20)).all())",
            "equals": True,
            "note": "randint(0, 10) plus 10",
        },
    ],
    "seed003_matmul": [
        {"expr": "data3", "equals": [[19, 22], [43, 50], [67, 78]]},
        {"expr": "bool((data3 == data4).all())", "equals": True},
    ],
    "seed003_reductions": [
        {"expr": "data.dtype == torch.float64 and list(data.shape) == [2, 3]", "equals": True},
    ],
    "seed003_indexing": [
        {"expr": "list(data[:, 0, :].shape)", "equals": [3, 5]},
    ],
    "seed003_reshape": [
        {"expr": "list(new_data.shape)", "equals": [1, 6]},
        {"stdout_contains": "torch.Size([2, 3]) 2 3\ntorch.Size([2, 3]) 2 3\ntorch.Size([1, 6])\n"},
    ],
    "seed003_squeeze_unsqueeze": [
        {
            "expr": "[list(t.shape) for t in (mydata2, mydata3, mydata4, mydata5)]",
            "equals": [[1, 5], [5, 1], [5, 1], [5]],
        },
    ],
    "seed003_transpose_permute": [
        {"expr": "list(mydata2.shape)", "equals": [3, 5, 4]},
        {
            "expr": "[list(t.shape) for t in (mydata4, mydata5, mydata6)] == [[4, 5, 3]] * 3",
            "equals": True,
        },
    ],
    "seed003_view_contiguous": [
        {"expr": "mydata4", "equals": [[10, 40, 20], [50, 30, 60]]},
        {"expr": "mydata3.is_contiguous()", "equals": False},
    ],
    "seed003_cat_stack": [
        {
            "expr": "list(new_data.shape)",
            "equals": [2, 3, 2],
            "note": "the last stack, on dim=2 of two 2x3 tensors",
        },
        {"stdout_contains": "torch.Size([2, 2, 3])\n"},
    ],
    "seed003_scalar_grad": [
        {"expr": "x.grad", "equals": 40.0, "note": "d(2x^2)/dx = 4x = 40 at x = 10"},
        {"stdout_contains": "x的梯度值是: tensor(40.)\n"},
    ],
    "seed003_vector_grad": [
        {"expr": "x.grad", "equals": [40.0, 80.0]},
    ],
    "seed003_gradient_descent": [
        {
            "expr": "x.item()",
            "equals": 0.0,
            "tol": 1e-6,
            "note": "x is multiplied by 0.98 each step: 10 * 0.98**1000 ~ 1.7e-8",
        },
        {"expr": "y.item()", "equals": 20.0, "tol": 1e-5, "note": "the minimum of x**2 + 20"},
        {"stdout_contains": "开始 权重x初始值:10.000000 (0.01 * x.grad):无 y:120.000000\n"},
        {"stdout_contains": "次数:1 权重x: 9.800000, (0.01 * x.grad):0.200000 y:120.000000\n"},
        {"stdout_contains": "次数:1000 权重x: 0.000000, (0.01 * x.grad):0.000000 y:20.000000\n"},
    ],
    "seed003_detach": [
        {"expr": "x1.requires_grad and not x2.requires_grad", "equals": True},
        {"expr": "x2", "equals": [10.0, 20.0]},
        {"stdout_regex": r"^True\nFalse\n"},
        {
            "expr": "x1.data_ptr() == x2.data_ptr()",
            "equals": True,
            "note": "detach() shares memory; the tutorial prints id(x1.data) and id(x2.data), "
            "which CPython prints equal because both temporaries reuse one slot",
        },
    ],
    "seed003_matmul_mseloss_grad": [
        {
            "expr": "torch.allclose(b.grad, (2 * (z - y) / 6).sum(0))",
            "equals": True,
            "note": "MSELoss averages over 6 outputs",
        },
        {"expr": "torch.allclose(w.grad, x.t() @ (2 * (z - y) / 6))", "equals": True},
        {"expr": "list(w.grad.shape)", "equals": [5, 3]},
    ],
    "seed003_linear_regression": [
        {
            "stdout_regex": r"Parameter containing:\ntensor\(\[\[(-?[0-9.]+)\]\], requires_grad",
            "between": [40.0, 45.0],
            "note": "the fitted weight; make_regression's true coef is 42.3855",
        },
        {
            "stdout_regex": r"containing:\ntensor\(\[(-?[0-9.]+)\], requires_grad=True\)\n\Z",
            "between": [12.0, 16.0],
            "note": "the fitted bias; the true bias is 14.5",
        },
        {"stdout_contains": "w和b--> [Parameter containing:\n"},
    ],
    "seed004_exhaustive_mse": [
        {"expr": "mse_list[20]", "equals": 0.0, "tol": 1e-12, "note": "w = 2.0 fits exactly"},
        {"expr": "mse_list[0]", "equals": 56.0 / 3.0, "tol": 1e-9},
        {"expr": "len(w_list)", "equals": 41},
    ],
    "seed004_batch_gradient_descent": [
        {"expr": "w", "equals": 2.0, "tol": 1e-3},
        {"expr": "forward(4)", "equals": 8.0, "tol": 1e-3},
        {"stdout_contains": "predict (before training) 4 4.0\n"},
    ],
    "seed004_stochastic_gradient_descent": [
        {"expr": "w", "equals": 2.0, "tol": 1e-9},
        {"stdout_contains": "predict (before training) 4 4.0\n"},
    ],
    "seed004_backprop_autograd": [
        {"expr": "w", "equals": [2.0], "tol": 1e-5},
        {"expr": "forward(4).item()", "equals": 7.999998569488525, "tol": 1e-5},
        {"stdout_contains": "predict (before training) 4 4.0\n"},
        {"stdout_contains": "\tgrad: 1.0 2.0 -2.0\n\tgrad: 2.0 4.0 -7.840000152587891\n"},
    ],
    "seed000_backprop_linear": [
        {"stdout_contains": "在模型计算之前对于x=4的预测是: 4 4.0\n"},
        {
            "expr": "forward(4).item()",
            "equals": 7.999998569488525,
            "tol": 1e-5,
            "note": "the prediction for x=4 goes from 4.0 to about 8",
        },
        {"expr": "w", "equals": [2.0], "tol": 1e-5},
        {"expr": "len(loss_list)", "equals": 100},
    ],
    "seed004_linear_model": [
        {
            "expr": "model.linear.weight.item()",
            "between": [1.55, 2.15],
            "note": "unseeded nn.Linear init in [-1, 1]: 100 epochs reach w in [1.585, 2.101]",
        },
        {
            "expr": "model.linear.bias.item()",
            "between": [-0.3, 1.0],
            "note": "and b in [-0.228, 0.943]",
        },
        {"expr": "y_test.item()", "between": [7.25, 8.2], "note": "prediction for x=4, about 8"},
        {"expr": "loss.item()", "between": [0.0, 0.4]},
    ],
    "extra_views_inplace": [
        {"expr": "b.grad", "equals": [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]},
        {"expr": "a.grad", "equals": [2.0, 6.0, 10.0, 4.0, 8.0, 12.0]},
        {"expr": "b", "equals": [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]},
    ],
    "extra_inplace_leaf_error": [
        {
            "error": "RuntimeError",
            "message_contains": "a leaf Variable that requires grad is being used in an in-place",
        },
        {"expr": "w", "equals": [2.0, 2.0, 2.0]},
    ],
    "extra_double_backward": [
        {"expr": "dy_dx", "equals": 27.0},
        {"expr": "d2y_dx2", "equals": 18.0},
        {"expr": "x.grad", "equals": 18.0},
    ],
    "extra_no_grad_update": [
        {"expr": "w.item()", "equals": 3.0, "tol": 0.01},
        {"expr": "b.item()", "equals": 1.0, "tol": 0.01},
        {"expr": "w.is_leaf and w.requires_grad", "equals": True},
    ],
    "extra_mlp": [
        {"expr": "loss.item()", "between": [0.0, 0.01]},
        {"expr": "[round(p) for p in pred.view(-1).tolist()]", "equals": [0, 1, 1, 0]},
    ],
    "extra_cross_entropy": [
        {"expr": "torch.allclose(loss, by_hand)", "equals": True},
        {"expr": "torch.allclose(logits.grad, expected)", "equals": True},
        {"expr": "new_loss.item() < loss.item()", "equals": True},
    ],
}


# ---------------------------------------------------------------------------------------------
# The subset of Python the service accepts

ALLOWED_IMPORTS = {
    ("import", "torch", None),
    ("import", "numpy", "np"),
    ("import", "torch.nn", "nn"),
    ("import", "torch.nn.functional", "F"),
    ("import", "matplotlib.pyplot", "plt"),
    ("from", "torch", "nn"),
    ("from", "torch", "optim"),
    ("from", "torch.utils.data", "TensorDataset"),
    ("from", "torch.utils.data", "DataLoader"),
    ("from", "sklearn.datasets", "make_regression"),
}
ALLOWED_STATEMENTS = (
    ast.Assign,
    ast.AugAssign,
    ast.If,
    ast.For,
    ast.While,
    ast.FunctionDef,
    ast.ClassDef,
    ast.With,
    ast.Expr,
    ast.Return,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Assert,
    ast.Import,
    ast.ImportFrom,
)
FORBIDDEN_EXPRESSIONS = (
    ast.Lambda,
    ast.GeneratorExp,
    ast.SetComp,
    ast.DictComp,
    ast.Yield,
    ast.YieldFrom,
    ast.Await,
    ast.NamedExpr,
)


def check_subset(path: Path) -> list[str]:
    """Problems that put the program outside the accepted subset (empty when it is inside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    problems = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.stmt) and not isinstance(node, ALLOWED_STATEMENTS):
            problems.append(f"{where}: statement {type(node).__name__}")
        if isinstance(node, FORBIDDEN_EXPRESSIONS):
            problems.append(f"{where}: expression {type(node).__name__}")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if ("import", alias.name, alias.asname) not in ALLOWED_IMPORTS:
                    problems.append(f"{where}: import {alias.name} as {alias.asname}")
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.asname or ("from", node.module, alias.name) not in ALLOWED_IMPORTS:
                    problems.append(f"{where}: from {node.module} import {alias.name}")
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.decorator_list:
            problems.append(f"{where}: decorator")
        if isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b) for b in node.bases]
            if bases not in (["torch.nn.Module"], ["nn.Module"]) or node.keywords:
                problems.append(f"{where}: class bases {bases}")
        if isinstance(node, ast.With):
            items = [ast.unparse(i.context_expr) for i in node.items]
            if items != ["torch.no_grad()"] or node.items[0].optional_vars is not None:
                problems.append(f"{where}: with {items}")
    return problems


def features(path: Path) -> dict[str, list[str]]:
    """Syntax kinds, builtins and attribute names a program uses (for the interpreter's authors)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    kinds, names, attrs = set(), set(), set()
    for node in ast.walk(tree):
        kinds.add(type(node).__name__)
        if isinstance(node, ast.Name) and hasattr(builtins, node.id):
            names.add(node.id)
        if isinstance(node, ast.Attribute):
            attrs.add(node.attr)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            kinds.add("%-format" if isinstance(node.left, ast.Constant) else "Mod")
    return {"syntax": sorted(kinds), "builtins": sorted(names), "attributes": sorted(attrs)}


# ---------------------------------------------------------------------------------------------
# The worker: runs programs under CPython


class FakePyplot(types.ModuleType):
    """Records plt.plot/plt.scatter series and figure labels; other display calls do nothing."""

    _IGNORED = frozenset(
        "show savefig close clf cla tight_layout axis xticks yticks xlim ylim text annotate "
        "subplot subplots_adjust axhline axvline suptitle".split()
    )

    def __init__(self) -> None:
        super().__init__("matplotlib.pyplot")
        self.reset()

    def reset(self) -> None:
        self.rcParams: dict[str, Any] = {}
        self.figures: list[dict[str, Any]] = []
        self.closed = True

    def __getattr__(self, name: str) -> Any:
        if name in FakePyplot._IGNORED:
            return lambda *args, **kwargs: None
        raise AttributeError(f"the pyplot stand-in has no {name!r}")

    def _figure(self) -> dict[str, Any]:
        if self.closed or not self.figures:
            self.figures.append(
                {
                    "index": len(self.figures),
                    "title": None,
                    "xlabel": None,
                    "ylabel": None,
                    "legend": False,
                    "grid": False,
                    "series": [],
                }
            )
            self.closed = False
        return self.figures[-1]

    @staticmethod
    def _numbers(values: Any) -> list[Any]:
        # what matplotlib does with its inputs: a tensor that requires grad is refused here too
        import numpy as np

        return [_scalar(v) for v in np.asarray(values, dtype=float).reshape(-1)]

    def _add(self, kind: str, xs: list[Any], ys: list[Any], label: Any) -> None:
        if len(xs) != len(ys):
            raise ValueError(f"x and y must have the same first dimension ({len(xs)}, {len(ys)})")
        series = {"kind": kind, "n": len(ys), "label": None if label is None else str(label)}
        self._figure()["series"].append({**series, "x": xs, "y": ys})

    def plot(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        data = [a for a in args if not isinstance(a, str)]
        if len(data) == 1:
            ys = self._numbers(data[0])
            self._add("line", [float(i) for i in range(len(ys))], ys, label)
        elif len(data) == 2:
            self._add("line", self._numbers(data[0]), self._numbers(data[1]), label)
        else:
            raise TypeError(f"the pyplot stand-in takes plot(y) or plot(x, y), got {len(data)}")

    def scatter(self, x: Any, y: Any, *args: Any, label: Any = None, **kwargs: Any) -> None:
        self._add("scatter", self._numbers(x), self._numbers(y), label)

    def figure(self, *args: Any, **kwargs: Any) -> None:
        self.closed = True

    def show(self, *args: Any, **kwargs: Any) -> None:
        self.closed = True

    def title(self, text: Any, *args: Any, **kwargs: Any) -> None:
        self._figure()["title"] = str(text)

    def xlabel(self, text: Any, *args: Any, **kwargs: Any) -> None:
        self._figure()["xlabel"] = str(text)

    def ylabel(self, text: Any, *args: Any, **kwargs: Any) -> None:
        self._figure()["ylabel"] = str(text)

    def legend(self, *args: Any, **kwargs: Any) -> None:
        self._figure()["legend"] = True

    def grid(self, visible: Any = True, *args: Any, **kwargs: Any) -> None:
        self._figure()["grid"] = bool(visible)


def _scalar(value: float) -> Any:
    """A JSON-safe float: non-finite values become the strings "nan", "inf", "-inf"."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _plain(value: Any) -> Any:
    """A JSON value for a tolist() result or a plain Python value (None when it cannot be)."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return _scalar(value)
    if isinstance(value, complex):
        return [_scalar(value.real), _scalar(value.imag)]
    if isinstance(value, list | tuple):
        items = [_plain(v) for v in value]
        return (
            None
            if any(i is None and v is not None for i, v in zip(items, value, strict=True))
            else items
        )
    return None


def _tensor_record(t: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # .grad of a non-leaf warns
        grad = t.grad
    small = t.numel() <= MAX_RECORDED_ELEMENTS
    return {
        "value": _plain(t.detach().cpu().tolist()) if small else None,
        "grad": _plain(grad.detach().cpu().tolist()) if grad is not None and small else None,
        "has_grad": grad is not None,
        "shape": list(t.shape),
        "dtype": str(t.dtype).removeprefix("torch."),
        "requires_grad": t.requires_grad,
        "is_leaf": t.is_leaf,
        "grad_fn": type(t.grad_fn).__name__ if t.grad_fn is not None else None,
    }


def _python_value(value: Any) -> dict[str, Any] | None:
    import numpy as np

    if isinstance(value, np.ndarray):
        return {"type": "ndarray", "dtype": str(value.dtype), "value": _plain(value.tolist())}
    if isinstance(value, np.generic):
        return {"type": type(value).__name__, "value": _plain(value.item())}
    if isinstance(value, bool | int | float | str):
        return {"type": type(value).__name__, "value": _plain(value)}
    if isinstance(value, list | tuple):
        items = [_python_value(v) for v in value]
        if all(i is not None and i["type"] != "ndarray" for i in items):
            return {"type": type(value).__name__, "value": [i["value"] for i in items]}
    return None


def error_record(exc: Exception, path: Path) -> dict[str, Any]:
    """An exception as the expected data records it: its type, message, and the program line
    (of ``path``) that was running when it was raised."""
    lines = [
        lineno
        for frame, lineno in traceback.walk_tb(exc.__traceback__)
        if frame.f_code.co_filename == str(path)
    ]
    return {"type": type(exc).__name__, "message": str(exc), "line": lines[-1] if lines else None}


def _collect(namespace: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    import torch

    variables: dict[str, Any] = {}
    python_values: dict[str, Any] = {}
    for name, value in namespace.items():
        if name.startswith("__"):
            continue
        if isinstance(value, torch.Tensor):
            variables[name] = _tensor_record(value)
        elif isinstance(value, torch.nn.Module):
            for pname, tensor in [*value.named_parameters(), *value.named_buffers()]:
                variables[f"{name}.{pname}"] = _tensor_record(tensor)
        elif not isinstance(value, types.ModuleType | types.FunctionType | type):
            record = _python_value(value)
            if record is not None:
                python_values[name] = record
    return variables, python_values


def _close(actual: Any, expected: Any, tol: float) -> bool:
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_close(a, e, tol) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return abs(actual - expected) <= tol
    return actual == expected


def _evaluate_check(check: dict[str, Any], namespace: dict, stdout: str, error: Any) -> str | None:
    """None when the check holds, else why not."""
    import numpy as np
    import torch

    if "expr" in check:
        try:
            value = eval(check["expr"], {"torch": torch, "np": np, **namespace})
        except Exception as exc:
            return f"{check['expr']} raised {type(exc).__name__}: {exc}"
        if isinstance(value, torch.Tensor):
            value = value.detach().tolist()
        if isinstance(value, np.generic):
            value = value.item()
        if "between" in check:
            lo, hi = check["between"]
            ok = lo <= float(value) <= hi
        else:
            ok = _close(value, check["equals"], check.get("tol", 0.0))
        return None if ok else f"{check['expr']} is {value!r}"
    if "stdout_contains" in check:
        return None if check["stdout_contains"] in stdout else "stdout lacks the text"
    if "stdout_regex" in check:
        matches = list(re.finditer(check["stdout_regex"], stdout, re.MULTILINE))
        if not matches:
            return f"stdout does not match {check['stdout_regex']!r}"
        if "between" in check:
            lo, hi = check["between"]
            number = float(matches[-1].group(1))
            return None if lo <= number <= hi else f"{number} not in [{lo}, {hi}]"
        return None
    if "error" in check:
        if error is None:
            return "no error"
        ok = error["type"] == check["error"] and check["message_contains"] in error["message"]
        return None if ok else f"error is {error['type']}: {error['message']}"
    return f"unknown check {check}"


_TRIGGERED = re.compile(r" \(Triggered internally at [^)]*\.\)$")


def run_example(example_id: str, seed: int, plt: FakePyplot) -> dict[str, Any]:
    import numpy as np
    import torch

    path = EXAMPLES / f"{example_id}.py"
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    plt.reset()
    torch.set_grad_enabled(True)
    torch.manual_seed(seed)
    np.random.seed(seed)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    out = io.StringIO()
    error = None
    found_warnings: list[dict[str, Any]] = []

    def record_warning(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
        frame, line = sys._getframe(1), None  # find the program line that was running
        while frame is not None and line is None:
            if frame.f_code.co_filename == str(path):
                line = frame.f_lineno
            frame = frame.f_back
        text = _TRIGGERED.sub("", str(message).splitlines()[0] if str(message) else "")
        record = {"category": category.__name__, "message": text, "line": line}
        if record not in found_warnings:
            found_warnings.append(record)

    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        warnings.showwarning = record_warning
        try:
            exec(code, namespace)
        except Exception as exc:
            error = error_record(exc, path)
    stdout = out.getvalue()
    variables, python_values = _collect(namespace)
    checks = [_evaluate_check(c, namespace, stdout, error) for c in CHECKS.get(example_id, [])]
    return {
        "stdout": stdout,
        "error": error,
        "warnings": found_warnings,
        "variables": variables,
        "python_values": python_values,
        "figures": plt.figures,
        "check_failures": [
            f"{c}: {why}"
            for c, why in zip(CHECKS.get(example_id, []), checks, strict=True)
            if why is not None
        ],
    }


def worker(seed: int, out_path: str, ids: list[str]) -> None:
    """Run each program in a child forked from this process (torch already imported), so that no
    program sees another's state: RNG, torch's once-only warnings, imported modules."""
    sys.modules["matplotlib"] = matplotlib = types.ModuleType("matplotlib")
    sys.modules["matplotlib.pyplot"] = matplotlib.pyplot = plt = FakePyplot()
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    results = {}
    for example_id in ids:
        result_path = Path(f"{out_path}.{example_id}")
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                result = run_example(example_id, seed, plt)
                result_path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if status != 0 or not result_path.exists():
            raise SystemExit(f"{example_id}: the worker child failed (status {status})")
        results[example_id] = json.loads(result_path.read_text(encoding="utf-8"))
        result_path.unlink()
    Path(out_path).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The main process: runs the workers and merges their results


def _same(values: list[Any]) -> bool:
    dumped = [json.dumps(v, sort_keys=True, ensure_ascii=False) for v in values]
    return all(d == dumped[0] for d in dumped)


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def merge(meta: dict[str, Any], runs: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The expected-result document for one example, and the problems found."""
    first = runs[0]
    problems = [f for run in runs for f in run["check_failures"]]
    stdouts = [r["stdout"] for r in runs]
    normalized = [_ADDRESS.sub("0xADDR", s) for s in stdouts]
    errors = [r["error"] for r in runs]
    if not _same(errors):
        problems.append(f"the error differs between runs: {errors}")
    if (first["error"] is not None) != meta["expects_error"]:
        problems.append(f"expects_error is {meta['expects_error']} but error is {first['error']}")

    variables = {}
    for name, record in first["variables"].items():
        others = [r["variables"].get(name) for r in runs]
        structure = [
            {k: v for k, v in (o or {}).items() if k not in ("value", "grad")} for o in others
        ]
        if not _same(structure):
            problems.append(f"{name}: shape, dtype or graph position differs between runs")
        value_same = _same([(o or {}).get("value") for o in others])
        grad_same = _same([(o or {}).get("grad") for o in others])
        variables[name] = {
            "value": record["value"] if value_same else None,
            "grad": record["grad"] if grad_same else None,
            "has_grad": record["has_grad"],
            "deterministic": value_same and grad_same,
            **{k: record[k] for k in ("shape", "dtype", "requires_grad", "is_leaf", "grad_fn")},
        }

    python_values = {}
    for name, record in first["python_values"].items():
        same = _same([r["python_values"].get(name) for r in runs])
        python_values[name] = {"type": record["type"], "value": record["value"] if same else None}

    layout_same = _same(
        [
            [[{k: s[k] for k in ("kind", "n", "label")} for s in f["series"]] for f in r["figures"]]
            for r in runs
        ]
    )
    if not layout_same:
        problems.append("the plotted series differ between runs")
    figures = []
    for index, figure in enumerate(first["figures"]):
        series = []
        for k, s in enumerate(figure["series"]):
            xs = [r["figures"][index]["series"][k]["x"] for r in runs] if layout_same else [0, 1]
            ys = [r["figures"][index]["series"][k]["y"] for r in runs] if layout_same else [0, 1]
            series.append(
                {
                    **{key: s[key] for key in ("kind", "n", "label")},
                    "x": xs[0] if _same(xs) else None,
                    "y": ys[0] if _same(ys) else None,
                }
            )
        figures.append({**{k: v for k, v in figure.items() if k != "series"}, "series": series})

    document = {
        "id": meta["id"],
        "title": meta["title"],
        "seed": meta["seed"],
        "expects_error": meta["expects_error"],
        "stdout": stdouts[0] if _same(stdouts) else None,
        "stdout_normalized": normalized[0] if _same(normalized) else None,
        "error": first["error"] if _same(errors) else None,
        "warnings": first["warnings"],
        "variables": variables,
        "python_values": python_values,
        "plots": {"series": sum(len(f["series"]) for f in figures), "figures": figures},
        "checks": CHECKS.get(meta["id"], []),
    }
    return document, problems


def dumps(value: Any, indent: str = "") -> str:
    """JSON with one key per line, and every list without objects in it on a single line."""
    if isinstance(value, dict) and value:
        inner = indent + "  "
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, inner)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ids", nargs="*", help="only these examples (default: all)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    parser.add_argument("--features", action="store_true", help="print what programs use")
    parser.add_argument("--worker", nargs=2, metavar=("SEED", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), args.worker[1], args.ids)
        return 0

    index = json.loads(INDEX.read_text(encoding="utf-8"))
    metas = {m["id"]: m for m in index}
    files = {p.stem for p in EXAMPLES.glob("*.py")}
    problems = [f"{i}.py has no index entry" for i in sorted(files - metas.keys())]
    problems += [f"index entry {i} has no file" for i in sorted(metas.keys() - files)]
    problems += [f"CHECKS names unknown example {i}" for i in sorted(CHECKS.keys() - metas.keys())]
    ids = args.ids or [m["id"] for m in index]
    problems += [f"unknown example {i}" for i in ids if i not in metas]
    for example_id in ids:
        if example_id in files:
            problems += check_subset(EXAMPLES / f"{example_id}.py")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1

    if args.features:
        used: dict[str, dict[str, list[str]]] = {}
        for example_id in ids:
            for kind, names in features(EXAMPLES / f"{example_id}.py").items():
                for name in names:
                    used.setdefault(kind, {}).setdefault(name, []).append(example_id)
        for kind, names in used.items():
            print(f"== {kind}")
            for name, where in sorted(names.items()):
                print(f"{name:28} {len(where):3}  {', '.join(where[:4])}")
        return 0

    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed, perturb in RUNS:
            out = Path(tmp) / f"run{seed}.json"
            env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
            env.pop("MALLOC_PERTURB_", None)
            if perturb:
                env["MALLOC_PERTURB_"] = perturb
            command = [sys.executable, __file__, "--worker", str(seed), str(out), *ids]
            subprocess.run(command, env=env, cwd=ROOT, check=True)
            runs.append(json.loads(out.read_text(encoding="utf-8")))

    stale = []
    for example_id in ids:
        document, found = merge(metas[example_id], [run[example_id] for run in runs])
        problems += [f"{example_id}: {p}" for p in found]
        text = dumps(document) + "\n"
        target = EXPECTED / f"{example_id}.json"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append((target, text))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if args.check:
        for target, _ in stale:
            print(f"stale: {target.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for target, text in stale:
        target.write_text(text, encoding="utf-8")
    print(f"{len(ids)} examples, {len(stale)} files written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

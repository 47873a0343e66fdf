"""The Python that tutorials write runs as CPython runs it: each program here is run by our
interpreter and by CPython itself (in this test, with the notebook's names pre-bound), and the
printed text must be the same."""

from __future__ import annotations

import contextlib
import io
import math
import textwrap
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim

from app.config import ProgramLimits
from app.lang import ProgramError, run_program


def cpython(source: str) -> str:
    """What CPython prints for ``source``, or its error as ``Type: message``."""
    out = io.StringIO()
    names = {"torch": torch, "nn": nn, "F": F, "optim": optim, "np": np, "math": math}
    names["__name__"] = "__main__"
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the program's own (anomaly mode's), not the suite's
        try:
            exec(compile(source, "<program>", "exec"), names)  # the reference, not the product
        except Exception as exc:
            print(f"{type(exc).__name__}: {exc}")
    return out.getvalue()


def ours(source: str) -> str:
    try:
        return run_program(source, ProgramLimits()).stdout
    except ProgramError as error:
        assert error.type == "runtime", error
        return error.message + "\n"


PROGRAMS = {
    "prebound_names": """
        x = torch.ones(2, 2, requires_grad=True)
        layer = nn.Linear(2, 1)
        print(type(F.relu(x)), optim.SGD, np.pi == math.pi)
    """,
    "explicit_imports_alias": """
        import torch as T
        import torch.nn.functional as fn
        from torch import nn as n2
        print(T is torch, fn.relu is F.relu, n2.Linear is nn.Linear)
    """,
    "lambda_closure_and_defaults": """
        fs = [lambda x, i=i: x * i for i in range(3)]
        print([f(10) for f in fs])
        k = 5
        add_k = lambda x: x + k
        k = 6
        print(add_k(1), sorted([3, 1, 2], key=lambda v: -v), list(map(lambda a: a * 2, [1, 2])))
        print((lambda *a, **kw: (a, kw))(1, 2, z=3))
    """,
    "str_format_specs": """
        loss = torch.tensor(0.123456)
        print("{:.4f}".format(loss), "{0:>8.3f}|{1:<5}|{2:^7}".format(3.14159, "ab", "c"))
        print("epoch {epoch:03d} loss {loss:.2e}".format(epoch=7, loss=0.000123))
        print("{} {} {!r} {:{w}.{p}f}".format(1, "a", "b", 2.5, w=8, p=2))
        print("%d items, %.3f, %s, %5.1f%%" % (3, 2.0 / 3, "x", 99.5))
        print("%(a)s-%(b)d" % {"a": 1, "b": 2})
        print(format(1234.5678, ",.2f"), format(255, "08b"), f"{0.5:.1%}")
    """,
    "format_errors_are_pythons": """
        print("{} {0}".format(1, 2))
    """,
    "format_missing_index": """
        print("{2}".format(1))
    """,
    "try_except_else_finally": """
        def risky(n):
            try:
                if n == 0:
                    raise ValueError("zero")
                r = 10 // n
            except ValueError as e:
                print("value error:", e)
                return -1
            except (ZeroDivisionError, TypeError):
                print("never")
            else:
                print("no error", r)
            finally:
                print("finally", n)
            return r
        print(risky(0), risky(5))
        try:
            torch.ones(2, 3) @ torch.ones(2, 3)
        except RuntimeError as e:
            print("caught:", e)
        try:
            {}["k"]
        except KeyError as e:
            print(repr(e), e.args)
        try:
            try:
                [][1]
            except IndexError:
                print("inner")
                raise
        except Exception as e:
            print("outer", type(e).__name__, e)
    """,
    "second_backward_caught": """
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        try:
            y.backward()
        except RuntimeError as err:
            print(str(err).split(".")[0])
        print(x.grad)
    """,
    "uncaught_raise_message": """
        class ShapeError(Exception):
            pass
        def check(t):
            if t.dim() != 2:
                raise ShapeError(f"expected 2-D, got {t.dim()}-D")
        check(torch.ones(3))
    """,
    "assert_message": """
        x = torch.ones(3)
        assert x.shape == (3,), "bad shape"
        assert x.sum() == 4, f"sum is {x.sum().item()}"
    """,
    "global_and_nonlocal": """
        counter = 0
        def bump():
            global counter
            counter += 1
        for _ in range(3):
            bump()
        def make_acc():
            total = 0
            def acc(v):
                nonlocal total
                total += v
                return total
            return acc
        a = make_acc()
        a(2)
        print(counter, a(5))
    """,
    "args_kwargs": """
        def f(a, *args, b=2, **kwargs):
            return a, args, b, sorted(kwargs.items())
        print(f(1), f(1, 2, 3, b=4, c=5, d=6), f(*[7, 8], **{"b": 9}))
    """,
    "multi_level_super": """
        class Base(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.n = n
            def forward(self, x):
                return x * self.n
        class Mid(Base):
            def __init__(self, n):
                super().__init__(n + 1)
                self.extra = nn.Linear(1, 1)
        class Top(Mid):
            def __init__(self):
                super(Top, self).__init__(1)
            def forward(self, x):
                return super().forward(x) + 1
        t = Top()
        print(t.n, t(torch.ones(2)), isinstance(t, Base), issubclass(Top, nn.Module))
    """,
    "decorators_and_properties": """
        def twice(fn):
            def inner(*a):
                return fn(*fn(*a))
            return inner
        @twice
        def swap(a, b):
            return b, a
        print(swap(1, 2))
        class Temp:
            scale = 2
            def __init__(self, c):
                self._c = c
            @property
            def f(self):
                return self._c * 9 / 5 + 32
            @f.setter
            def f(self, value):
                self._c = (value - 32) * 5 / 9
            @staticmethod
            def unit():
                return "C"
            @classmethod
            def make(cls, c):
                return cls(c * cls.scale)
        t = Temp.make(50)
        t.f = 212
        print(t.f, Temp.unit(), t._c)
        @torch.no_grad()
        def step(w):
            return w * 2
        @torch.enable_grad()
        def graded(w):
            return w * 2
        w = torch.ones(2, requires_grad=True)
        with torch.no_grad():
            print(step(w).requires_grad, graded(w).requires_grad)
    """,
    "dunder_container": """
        class Pairs:
            def __init__(self, n):
                self.items = [(i, i * i) for i in range(n)]
            def __len__(self):
                return len(self.items)
            def __getitem__(self, i):
                return self.items[i]
            def __contains__(self, v):
                return any(v == b for _, b in self.items)
            def __call__(self, k):
                return self.items[k][1]
            def __eq__(self, other):
                return len(self) == len(other)
        p = Pairs(4)
        print(len(p), p[2], 9 in p, p(3), p == Pairs(4), list(p))
    """,
    "custom_dataset_with_dataloader": """
        from torch.utils.data import Dataset, DataLoader
        class Squares(Dataset):
            def __init__(self, n):
                self.x = torch.arange(n, dtype=torch.float32)
            def __len__(self):
                return len(self.x)
            def __getitem__(self, i):
                return self.x[i], self.x[i] ** 2
        loader = DataLoader(Squares(6), batch_size=4)
        for xb, yb in loader:
            print(xb, yb)
    """,
    "function_ctx_attributes": """
        class MulConstant(torch.autograd.Function):
            @staticmethod
            def forward(ctx, tensor, constant):
                ctx.constant = constant
                return tensor * constant
            @staticmethod
            def backward(ctx, grad_output):
                return grad_output * ctx.constant, None
        class Clamp(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_non_differentiable
                ctx.save_for_backward(x)
                return x.clamp(min=0)
            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                print("needs", ctx.needs_input_grad)
                return g * (x > 0).float()
        x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
        y = MulConstant.apply(x, 3.0)
        z = Clamp.apply(y - 2).sum()
        z.backward()
        print(x.grad, y.grad_fn.name(), z.grad_fn.next_functions[0][0].name())
    """,
    "function_mark_dirty": """
        class AddOneInplace(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x
            @staticmethod
            def backward(ctx, g):
                return g
        a = torch.tensor([1.0, 2.0], requires_grad=True)
        b = a.clone()
        c = AddOneInplace.apply(b)
        c.sum().backward()
        print(c, a.grad, c is b)
    """,
    "d2l_data_iter_generator": """
        torch.manual_seed(0)
        features = torch.normal(0, 1, (50, 2))
        labels = features @ torch.tensor([2, -3.4]).reshape(-1, 1) + 4.2
        def data_iter(batch_size, features, labels):
            num_examples = len(features)
            indices = list(range(num_examples))
            for i in range(0, num_examples, batch_size):
                batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
                yield features[batch_indices], labels[batch_indices]
        w = torch.zeros(2, 1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for epoch in range(3):
            for X, y in data_iter(10, features, labels):
                l = ((X @ w + b - y) ** 2 / 2).sum()
                l.backward()
                with torch.no_grad():
                    for param in [w, b]:
                        param -= 0.03 * param.grad / 10
                        param.grad.zero_()
            train_l = ((features @ w + b - labels) ** 2 / 2).mean()
            print(f"epoch {epoch + 1}, loss {float(train_l):f}")
    """,
    "generators_protocol": """
        def gen():
            try:
                yield 1
                yield 2
            finally:
                print("cleanup")
        for v in gen():
            print(v)
        def counter():
            n = 0
            while True:
                received = yield n
                n += 1 if received is None else received
        c = counter()
        print([next(c) for _ in range(3)], c.send(10), next(c))
        def ret():
            yield 1
            return 5
        def outer():
            yield from [0, 1]
            yield from ret()
        print(list(outer()), list(zip(gen(), "ab")), sum(i * i for i in range(4)))
        def bad():
            yield 1
            raise ValueError("inside")
        try:
            for v in bad():
                print(v)
        except ValueError as e:
            print("caught", e)
    """,
    "autograd_functional_and_func": """
        from torch.autograd.functional import jacobian, hessian, vjp, jvp, hvp
        def exp_reducer(x):
            return x.exp().sum(dim=1)
        inputs = torch.ones(2, 2)
        print(jacobian(exp_reducer, inputs))
        print(hessian(lambda x: x.pow(3).sum(), torch.tensor([1.0, 2.0])))
        print(vjp(exp_reducer, inputs, torch.ones(2)))
        print(jvp(exp_reducer, inputs, torch.ones(2, 2)))
        print(hvp(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]), torch.ones(2)))
        from torch.func import grad, vmap, jacrev
        g = grad(lambda x: torch.sin(x).sum())
        print(g(torch.tensor([0.0, 1.0])), grad(grad(torch.sin))(torch.tensor(1.0)))
        print(vmap(torch.dot)(torch.ones(3, 2), torch.ones(3, 2)))
        print(jacrev(torch.sin)(torch.zeros(2)))
        out, vjp_fn = torch.func.vjp(torch.sin, torch.zeros(2))
        print(out, vjp_fn(torch.ones(2)))
    """,
    "context_managers": """
        with torch.autograd.detect_anomaly():
            x = torch.tensor([1.0], requires_grad=True)
            (x * 2).sum().backward()
        print(x.grad)
        class Timer:
            def __init__(self, name):
                self.name = name
            def __enter__(self):
                print("enter", self.name)
                return self
            def __exit__(self, kind, value, tb):
                print("exit", self.name, kind, value)
                return kind is ValueError
        with Timer("a") as t, torch.no_grad():
            print(t.name, torch.is_grad_enabled())
            raise ValueError("swallowed")
        print("after", torch.is_grad_enabled())
        def early():
            with Timer("b"):
                return 1
        print(early())
        try:
            with Timer("c"):
                {}["missing"]
        except KeyError as e:
            print("not swallowed", e)
    """,
    "time_string_unicodedata": """
        import string, time, unicodedata
        start = time.time()
        t0 = time.perf_counter()
        time.sleep(0.01)
        print(time.time() >= start, time.perf_counter() > t0)
        all_letters = string.ascii_letters + " .,;'"
        def unicode_to_ascii(s):
            return "".join(
                c for c in unicodedata.normalize("NFD", s)
                if unicodedata.category(c) != "Mn" and c in all_letters
            )
        print(len(all_letters), unicode_to_ascii("Ślusàrski"), string.digits)
    """,
    "dataclasses_config": """
        from dataclasses import dataclass, field, asdict, astuple, fields, replace
        import dataclasses
        @dataclass
        class GPTConfig:
            block_size: int = 1024
            vocab_size: int = 50304
            n_layer: int = 12
            dropout: float = 0.0
            bias: bool = True
        config = GPTConfig(n_layer=2, dropout=0.1)
        print(config, config == GPTConfig(n_layer=2, dropout=0.1), asdict(config))
        print(astuple(replace(config, bias=False)), [f.name for f in fields(config)])
        @dataclass(frozen=True)
        class Point:
            x: int
            y: list = field(default_factory=list)
            def __post_init__(self):
                print("made", self.x)
        p = Point(3)
        print(p, dataclasses.is_dataclass(p))
        try:
            p.x = 4
        except dataclasses.FrozenInstanceError as e:
            print("frozen:", e)
        try:
            @dataclass
            class Bad:
                a: list = []
        except ValueError as e:
            print(e)
        try:
            Point()
        except TypeError as e:
            print(e)
    """,
    "functional_call_per_sample_grads": """
        from torch.func import functional_call, vmap, grad
        torch.manual_seed(0)
        model = nn.Linear(3, 1)
        params = {k: v.detach() for k, v in model.named_parameters()}
        def loss_fn(params, x, y):
            out = functional_call(model, params, (x.unsqueeze(0),))
            return F.mse_loss(out, y.unsqueeze(0))
        xs, ys = torch.randn(4, 3), torch.randn(4, 1)
        per_sample = vmap(grad(loss_fn), in_dims=(None, 0, 0))(params, xs, ys)
        print({k: tuple(v.shape) for k, v in per_sample.items()})
        print(per_sample["bias"])
    """,
    "saved_tensors_hooks": """
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        def pack(t):
            print("pack", tuple(t.shape))
            return t.clone()
        def unpack(t):
            print("unpack")
            return t
        with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = (x * x).sum()
        y.backward()
        print(x.grad)
        weight = torch.FloatTensor([[1, 2.3, 3], [4, 5.1, 6.3]])
        print(nn.Embedding.from_pretrained(weight)(torch.LongTensor([1])))
    """,
    "walrus": """
        data = [1, 5, 12, 3]
        if (n := len(data)) > 3:
            print(f"{n} items")
        doubled = [y for x in data if (y := x * 2) > 5]
        print(doubled, y)
        def first_big(values):
            while (v := values.pop()) < 10:
                pass
            return v
        print(first_big([20, 1, 2]))
    """,
    "regular_expressions": """
        import re
        lines = ["The Time Machine, by H. G. Wells [1898]", "", "I"]
        print([re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines])
        pattern = re.compile(r"(\\w+) (\\w+)")
        m = pattern.search(lines[0])
        print(m.group(1), m.span(), m.groups(), re.findall(r"\\d+", lines[0]))
        print(re.split(r"\\s+", "a b  c"))
        print(re.sub(r"\\d", lambda m: str(int(m.group()) + 1), "a1b2"))
        print([m.start() for m in re.finditer("a", "banana")], re.match("b", "banana") is not None)
        print(pattern.sub(r"\\2 \\1", "hello world"), re.escape("a.b"), bool(re.I))
        print(hasattr([], "__len__"), hasattr(3, "__iter__"), hasattr(len, "__call__"))
    """,
    "isinstance_and_builtins": """
        print(isinstance(torch.ones(1), torch.Tensor), isinstance(nn.Linear(1, 1), nn.Module))
        layer = nn.Linear(2, 3)
        print(callable(len), hasattr(layer, "weight"), getattr(layer, "out_features"))
        m = nn.Linear(2, 2)
        setattr(m, "note", "hi")
        print(m.note, divmod(7, 2), hex(255), bin(5), frozenset([1, 1, 2]))
        print(type(m) is nn.Linear, type(m) is not nn.ReLU, type([]) is list, type(1) is int)
        print(type(m) == nn.Linear, isinstance([], list), type(torch.ones(1)).__name__)
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_prints_what_cpython_prints(name: str) -> None:
    source = textwrap.dedent(PROGRAMS[name]).strip() + "\n"
    assert ours(source) == cpython(source)


def test_errors_inside_except_keep_their_place() -> None:
    source = "try:\n    x = 1 / 0\nexcept ZeroDivisionError:\n    y = undefined_name\n"
    with pytest.raises(ProgramError) as info:
        run_program(source)
    assert info.value.message == "NameError: name 'undefined_name' is not defined"
    assert (info.value.line, info.value.column) == (4, 9)


@pytest.mark.parametrize(
    ("source", "limit"),
    [
        ("try:\n    while True:\n        pass\nexcept Exception:\n    pass", "max_steps"),
        ("try:\n    x = torch.zeros(10**6, 10**6)\nexcept RuntimeError:\n    pass",
         "max_tensor_elements"),
        ("try:\n    s = 'a' * 10**9\nexcept BaseException:\n    pass", "max_sequence_length"),
        ("def f():\n    try:\n        return f()\n    except Exception:\n        return 0\nf()",
         "max_call_depth"),
        ("try:\n    while True:\n        pass\nfinally:\n    print('never quietly')", "max_steps"),
        ("def g():\n    while True:\n        yield 1\nprint(sum(g()))", "max_steps"),
        ("import time\ntry:\n    time.sleep(10)\nexcept Exception:\n    pass", "max_sleep_s"),
        ("class C:\n    def __enter__(self):\n        return self\n    def __exit__(self, *a):\n"
         "        return True\nwith C():\n    while True:\n        pass", "max_steps"),
        ("def g():\n    yield 1\ngs = [g() for _ in range(5000)]\nfor x in gs:\n    next(x)",
         "max_live_generators"),
    ],
)  # fmt: skip
def test_limits_cannot_be_caught(source: str, limit: str) -> None:
    with pytest.raises(ProgramError) as info:
        run_program(source, ProgramLimits(max_steps=50_000))
    assert info.value.type == "limit" and info.value.limit == limit


def test_notebook_magics_and_future_imports_are_ignored() -> None:
    source = (
        "from __future__ import print_function, division\n"
        "%matplotlib inline\n"
        "!pip install torch\n"
        "x = torch.ones(2)\n"
        "print(x.sum())\n"
    )
    assert run_program(source).stdout == "tensor(2.)\n"
    with pytest.raises(ProgramError) as info:  # a real syntax error still says where it is
        run_program("%matplotlib inline\nx = (1,\n")
    assert info.value.type == "syntax" and info.value.line == 2
    with pytest.raises(ProgramError) as info:
        run_program("from __future__ import braces\n")
    assert info.value.type == "not_allowed" and "braces" in info.value.message


def test_what_holds_an_interpreter_copies_by_reference_or_not_at_all() -> None:
    import copy

    from app.lang.interpreter import Interpreter
    from app.lang.surface import TORCH

    with pytest.raises(TypeError):
        copy.deepcopy(Interpreter(ProgramLimits()))
    assert copy.deepcopy(TORCH) is TORCH
    result = run_program("def f():\n    return 1\ng = lambda: 2\n")
    assert result.namespace == {}  # functions are not values to show

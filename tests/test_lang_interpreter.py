"""The interpreter runs the Python subset the tutorials use, with PyTorch's own numbers."""

from __future__ import annotations

import math
import textwrap

import pytest
import torch

from app.config import ProgramLimits
from app.lang import ProgramError, named_tensors, run_program


def run(source: str, **limits: int):
    return run_program(textwrap.dedent(source), ProgramLimits(**limits))


def fails(source: str, **limits: int) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        run(source, **limits)
    return info.value


def test_seed001_mean_backward_gives_one_third():
    result = run(
        """
        import torch
        x = torch.tensor([[1.,2.,3.],[4.,5.,6.]], requires_grad=True)
        y = x+1
        z = 2*y
        m = torch.mean(z)
        m.backward()
        """
    )
    named = named_tensors(result)
    assert list(named) == ["x", "y", "z", "m"]
    assert torch.allclose(named["x"].grad, torch.full((2, 3), 1 / 3))
    assert result.backward_roots == ["m"]


def test_second_backward_keeps_pytorch_wording_and_line():
    error = fails(
        """
        import torch
        x = torch.tensor([[1.,2.,3.],[4.,5.,6.]], requires_grad=True)
        m = torch.mean(2 * (x + 1))
        m.backward()
        m.backward()
        """
    )
    assert error.type == "runtime"
    assert "Trying to backward through the graph a second time" in error.message
    assert error.message.startswith("RuntimeError:")
    assert (error.line, error.column) == (6, 1)


def test_non_scalar_backward_error():
    error = fails(
        """
        import torch
        x = torch.ones(2, 3, requires_grad=True)
        z = 2 * (x + 1)
        z.backward()
        """
    )
    assert "grad can be implicitly created only for scalar outputs" in error.message
    assert error.line == 5


def test_retain_graph_allows_second_backward_and_accumulates():
    result = run(
        """
        import torch
        x1 = torch.tensor(1.0, requires_grad=True)
        x2 = torch.tensor(2.0, requires_grad=True)
        y = x1 + 2 * x2
        y.backward(retain_graph=True)
        y.backward()
        """
    )
    named = named_tensors(result)
    assert named["x1"].grad.item() == 2.0
    assert named["x2"].grad.item() == 4.0


def test_seed000_training_loop_with_functions_and_plot():
    result = run(
        """
        import torch
        import matplotlib.pyplot as plt
        x_data = [1.0, 2.0, 3.0]
        y_data = [2.0, 4.0, 6.0]
        w = torch.Tensor([1.0])
        w.requires_grad = True
        def forward(x):
            return x * w
        def loss(x, y):
            y_pred = forward(x)
            return (y_pred - y) ** 2
        print("before", 4, forward(4).item())
        epoch_list, loss_list = [], []
        for epoch in range(100):
            for x, y in zip(x_data, y_data):
                l = loss(x, y)
                l.backward()
                w.data = w.data - 0.01 * w.grad.data
                w.grad.data.zero_()
            epoch_list.append(epoch)
            loss_list.append(l.item())
        print("after", 4, forward(4).item())
        plt.plot(epoch_list, loss_list)
        plt.xlabel('epoch')
        plt.ylabel('Loss')
        plt.show()
        """
    )
    assert result.stdout.startswith("before 4 4.0\n")
    after = float(result.stdout.splitlines()[-1].split()[-1])
    assert after == pytest.approx(8.0, abs=1e-4)
    (figure,) = result.figures
    assert figure.xlabel == "epoch" and figure.ylabel == "Loss"
    assert len(figure.series[0].x) == 100


def test_seed004_linear_model_class_with_super_and_optimizer():
    result = run(
        """
        import torch
        x_data = torch.Tensor([[1.0], [2.0], [3.0]])
        y_data = torch.Tensor([[2.0], [4.0], [6.0]])
        class LinearModel(torch.nn.Module):
            def __init__(self):
                super(LinearModel, self).__init__()
                self.linear = torch.nn.Linear(1, 1)
            def forward(self, x):
                y_pred = self.linear(x)
                return y_pred
        torch.manual_seed(0)
        model = LinearModel()
        criterion = torch.nn.MSELoss(reduction='sum')
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        for epoch in range(100):
            y_pred = model(x_data)
            loss = criterion(y_pred, y_data)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        y_test = model(torch.Tensor([[4.0]]))
        print(type(model))
        """
    )
    named = named_tensors(result)
    assert "model.linear.weight" in named and "model.linear.bias" in named
    assert 7.0 < named["y_test"].item() < 9.0  # tutorial: about 8 after 100 epochs
    assert result.stdout == "<class '__main__.LinearModel'>\n"


def test_zero_argument_super_and_sequential():
    result = run(
        """
        from torch import nn
        import torch
        class Net(nn.Module):
            def __init__(self, hidden=4):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1))
            def forward(self, x):
                return self.body(x)
        net = Net(hidden=3)
        out = net(torch.ones(5, 2)).sum()
        out.backward()
        """
    )
    named = named_tensors(result)
    assert named["net.body.0.weight"].shape == (3, 2)
    assert named["net.body.0.weight"].grad is not None


def test_language_features():
    result = run(
        """
        import numpy as np
        a, *rest = [1, 2, 3, 4]
        d = {k: v * 2 for k, v in zip("ab", [1, 2])}
        s = {i % 3 for i in range(10)}
        total = sum(i * i for i in range(5) if i % 2 == 0)
        def f(x, y=10, *args, scale=1, **kw):
            return (x + y + sum(args)) * scale + len(kw)
        n = 0
        while True:
            n += 1
            if n > 5:
                break
            elif n == 2:
                continue
        else_hit = False
        for i in []:
            pass
        else:
            else_hit = True
        text = f"{3.14159:.2f}|{a!r}|{'x' * 3}"
        fmt = "%.3f %d" % (1.23456, 7)
        arr = np.arange(0.0, 1.0, 0.25)
        cond = 1 if a < 2 <= 3 else 0
        assert a == 1, "unpacking"
        print(a, rest, d, sorted(s), total, f(1), f(1, 2, 3, scale=2, extra=1), n, else_hit)
        print(text, fmt, arr.tolist(), cond, max([3, 1, 2]), min(4, 2), round(2.567, 1))
        """
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "1 [2, 3, 4] {'a': 2, 'b': 4} [0, 1, 2] 20 11 13 6 True"
    assert lines[1] == "3.14|1|xxx 1.235 7 [0.0, 0.25, 0.5, 0.75] 1 3 2 2.6"


def test_closures_read_module_globals_at_call_time():
    result = run(
        """
        w = 1.0
        def forward(x):
            return x * w
        w -= 0.5
        print(forward(4))
        """
    )
    assert result.stdout == "2.0\n"


def test_unbound_local_and_name_errors_have_positions():
    error = fails("def f():\n    y = x\n    x = 1\nf()\n")
    assert "UnboundLocalError" in error.message and error.line == 2
    error = fails("print(undefined_name)\n")
    assert error.message == "NameError: name 'undefined_name' is not defined"
    assert (error.line, error.column) == (1, 7)


def test_syntax_error_position():
    error = fails("x = 1\ny = (2 +\n")
    assert error.type == "syntax" and error.line == 2


def test_no_grad_and_detach():
    result = run(
        """
        import torch
        x = torch.tensor([10., 20.], requires_grad=True, dtype=torch.float64)
        with torch.no_grad():
            y = x * 2
        z = x.detach()
        print(y.requires_grad, z.requires_grad, x.requires_grad)
        """
    )
    assert result.stdout == "False False True\n"
    assert torch.is_grad_enabled()


def test_global_state_restored_after_run():
    run(
        """
        import torch
        torch.set_default_dtype(torch.float64)
        torch.set_printoptions(precision=2)
        torch.manual_seed(0)
        torch.set_grad_enabled(False)
        """
    )
    assert torch.get_default_dtype() == torch.float32
    assert torch.is_grad_enabled()
    assert torch._tensor_str.PRINT_OPTS.precision == 4


def test_numpy_and_indexing_and_shapes():
    result = run(
        """
        import torch
        import numpy as np
        d = np.array([[1, 2, 3], [4, 5, 6]])
        t = torch.from_numpy(d)
        data = torch.tensor([[10, 20, 30], [40, 50, 60]])
        print(data[data[:, 2] > 35], data[[0, 1], [1, 2]], data[..., None].shape)
        print(t.numpy().shape, data.view(3, 2).shape, data.t().is_contiguous())
        print(torch.cat([data, data], dim=0).shape, torch.stack([data, data], dim=2).shape)
        print(type(data), type(d))
        """
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "tensor([[40, 50, 60]]) tensor([20, 60]) torch.Size([2, 3, 1])"
    assert lines[1] == "(2, 3) torch.Size([3, 2]) False"
    assert lines[3] == "<class 'torch.Tensor'> <class 'numpy.ndarray'>"


def test_autograd_grad_with_create_graph():
    result = run(
        """
        import torch
        x = torch.tensor(3.0, requires_grad=True)
        y = x ** 3
        (dy,) = torch.autograd.grad(y, x, create_graph=True)
        dy.backward()
        print(dy.item(), x.grad.item())
        """
    )
    assert result.stdout == "27.0 18.0\n"


def test_dataloader_and_make_regression():
    result = run(
        """
        import torch
        from torch.utils.data import TensorDataset, DataLoader
        from sklearn.datasets import make_regression
        x, y, coef = make_regression(n_samples=100, n_features=1, noise=10, coef=True,
                                     bias=14.5, random_state=0)
        dataset = TensorDataset(torch.tensor(x), torch.tensor(y))
        loader = DataLoader(dataset=dataset, batch_size=16, shuffle=True)
        batches = [len(bx) for bx, by in loader]
        print(batches, round(float(coef), 4))
        """
    )
    assert result.stdout.startswith("[16, 16, 16, 16, 16, 16, 4]")


def test_plot_series_and_figures_split_by_show():
    result = run(
        """
        import matplotlib.pyplot as plt
        import torch
        plt.rcParams['font.sans-serif'] = ['SimHei']
        plt.plot([1, 2, 3], [1, 4, 9], label='train')
        plt.title('one')
        plt.legend()
        plt.show()
        plt.scatter(torch.tensor([1., 2.]), torch.tensor([3., 4.]))
        plt.grid()
        plt.show()
        """
    )
    assert [f.title for f in result.figures] == ["one", None]
    assert result.figures[0].series[0].label == "train"
    assert result.figures[1].series[0].kind == "scatter" and result.figures[1].grid


def test_warnings_are_reported_without_paths():
    result = run(
        """
        import torch
        x = torch.tensor([1.0], requires_grad=True)
        y = x * 2
        print(y.grad)
        """
    )
    # PyTorch warns on every read of a non-leaf's .grad (some warnings it gives once only)
    assert result.warnings and "not a leaf Tensor" in result.warnings[0]
    assert "Triggered internally" not in result.warnings[0] and "(line 5)" in result.warnings[0]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("import os", "import of module 'os' is not allowed"),
        ("import torch\ntorch.load('x')", "'torch.load' is not available"),
        ("import torch\nx = torch.ones(2)\nx.__class__", "names starting with '_' are private"),
        ("try:\n    pass\nexcept* Exception:\n    pass", "except* (exception groups) is not"),
        ("open('/etc/passwd')", "name 'open' is not defined"),
        ("'{0.real}'.format(1)", "format field '{0.real}' is not allowed"),
        ("'{0[0]}'.format([1])", "format field '{0[0]}' is not allowed"),
        ("import torch\ntorch.ones(2).storage()", "attribute 'storage'"),
        ("import numpy as np\nnp.ones(2).tofile('x')", "attribute 'tofile'"),
        ("type('X', (), {})", "type() with more than one argument is not allowed"),
        ("x = (yield 1)", "'yield' outside function"),
        ("def f():\n    nonlocal x\n    x = 1", "no binding for nonlocal 'x' found"),
        ("class A(metaclass=type):\n    pass", "class keywords (metaclass=...) are not supported"),
        ("class A:\n    def __getattr__(self, n):\n        pass", "function name '__getattr__'"),
    ],
)
def test_refusals_name_the_problem(source: str, words: str):
    error = fails(source)
    assert words in error.message
    assert error.type in {"not_allowed", "runtime", "syntax"}
    assert error.line is not None


@pytest.mark.parametrize(
    ("source", "limit"),
    [
        ("while True:\n    pass", "max_steps"),
        ("import torch\ntorch.zeros(100000, 100000)", "max_tensor_elements"),
        ("import torch\ntorch.ones(10).expand(10**6, 10**4).sum()", "max_tensor_elements"),
        ("import torch\nx = torch.ones(3000, 1)\ny = x @ torch.ones(1, 4000)", None),
        (
            "import torch\nx = torch.ones(3000, 1)\ny = x @ torch.ones(1, 4000)",
            "max_tensor_elements",
        ),
        ("x = 2 ** 10 ** 8", "max_int_bits"),
        ("s = 'a' * 10 ** 9", "max_sequence_length"),
        ("for i in range(10**7):\n    print(i)", "max_output_chars"),
        ("def f(n):\n    return f(n + 1)\nf(0)", "max_call_depth"),
        ("x = " + "(" * 500 + "1" + ")" * 500, "max_ast_depth"),
        ("import torch\ntorch.tensor(range(10**9))", "max_sequence_length"),
        ("sum(range(10**12))", "max_sequence_length"),
    ],
)
def test_limits_name_the_limit(source: str, limit: str | None):
    """Each program breaches the named limit; None marks one just inside the limits."""
    if limit is None:
        run(source, max_tensor_elements=12_000_000, max_output_chars=100_000)
        return
    with pytest.raises(ProgramError) as info:
        run(source, max_tensor_elements=10_000_000, max_output_chars=100_000)
    assert info.value.type == "limit" and info.value.limit == limit, info.value
    assert limit in info.value.message


def test_nan_and_inf_values_survive():
    result = run("import torch\nx = torch.tensor([float('nan'), float('inf')])\n")
    value = named_tensors(result)["x"]
    assert math.isnan(value[0].item()) and math.isinf(value[1].item())


def test_variable_of_older_tutorials_is_a_tensor():
    result = run(
        """
        import torch
        from torch.autograd import Variable
        x = Variable(torch.ones(2, 2), requires_grad=True)
        out = ((x + 2) * (x + 2) * 3).mean()
        out.backward()
        """
    )
    x = result.namespace["x"]
    assert type(x) is torch.Tensor and x.is_leaf
    assert torch.equal(x.grad, torch.full((2, 2), 4.5))


def test_optimizer_step_works_under_an_lr_scheduler():
    """A scheduler replaces optimizer.step by torch's counting wrapper; it stays callable, and
    the fused-kernel refusal still applies through it."""
    result = run(
        """
        import torch
        m = torch.nn.Linear(1, 1)
        opt = torch.optim.SGD(m.parameters(), lr=0.5)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
        lrs = []
        for epoch in range(3):
            opt.zero_grad()
            m(torch.ones(1, 1)).sum().backward()
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        """
    )
    assert result.namespace["lrs"] == pytest.approx([0.05, 0.005, 0.0005])
    with pytest.raises(ProgramError, match="fused"):
        run(
            """
            import torch
            m = torch.nn.Linear(1, 1)
            opt = torch.optim.Adam(m.parameters())
            sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
            opt.param_groups[0]["fused"] = True
            m(torch.ones(1, 1)).sum().backward()
            opt.step()
            """
        )

# source: PyTorch docs "torch.autograd.detect_anomaly", https://pytorch.org/docs/stable/autograd.html#torch.autograd.detect_anomaly
# note: the docstring's MyFunc whose backward returns NaN; under detect_anomaly backward raises
import torch
from torch import autograd


class MyFunc(autograd.Function):
    @staticmethod
    def forward(ctx, inp):
        return inp.clone()

    @staticmethod
    def backward(ctx, gO):
        # Error during the backward pass
        raise RuntimeError("Some error in backward")
        return gO.clone()


def run_fn(a):
    out = MyFunc.apply(a)
    return out.sum()


inp = torch.rand(10, 10, requires_grad=True)
with autograd.detect_anomaly():
    out = run_fn(inp)
    out.backward()

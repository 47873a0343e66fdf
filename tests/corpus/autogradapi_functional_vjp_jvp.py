# source: PyTorch docs "torch.autograd.functional" (Functional higher level API), https://pytorch.org/docs/stable/autograd.html#functional-higher-level-api
# note: vjp and jvp docstring examples (exp_reducer with v = ones)
# compare: structure
import torch
from torch.autograd.functional import vjp, jvp


def exp_reducer(x):
    return x.exp().sum(dim=1)


inputs = torch.rand(4, 4)
v = torch.ones(4)
out, vjp_value = vjp(exp_reducer, inputs, v)

v2 = torch.ones(4, 4)
out2, jvp_value = jvp(exp_reducer, inputs, v2)


def adder(x, y):
    return 2 * x + 3 * y


inputs2 = (torch.rand(2), torch.rand(2))
v3 = torch.ones(2)
out3, (vx, vy) = vjp(adder, inputs2, v3)
print(vx, vy)

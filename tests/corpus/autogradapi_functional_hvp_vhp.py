# source: PyTorch docs "torch.autograd.functional" (Functional higher level API), https://pytorch.org/docs/stable/autograd.html#functional-higher-level-api
# note: hvp and vhp docstring examples (pow_reducer) on fixed inputs instead of torch.rand
import torch.autograd.functional as AF


def pow_reducer(x):
    return x.pow(3).sum()


inputs = torch.tensor([[0.1, 0.2], [0.3, 0.4]])
v = torch.ones(2, 2)
out, hvp_value = AF.hvp(pow_reducer, inputs, v)
out2, vhp_value = AF.vhp(pow_reducer, inputs, v)
print(hvp_value)
print(torch.allclose(hvp_value, vhp_value))

# source: PyTorch docs "torch.autograd.functional" (Functional higher level API), https://pytorch.org/docs/stable/autograd.html#functional-higher-level-api
# note: torch.autograd.functional.hessian docstring examples (pow_reducer, pow_adder_reducer)
# compare: structure
from torch.autograd.functional import hessian


def pow_reducer(x):
    return x.pow(3).sum()


inputs = torch.rand(2, 2)
h = hessian(pow_reducer, inputs)
print(h.shape)


def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()


inputs2 = (torch.rand(2), torch.rand(2))
((hxx, hxy), (hyx, hyy)) = hessian(pow_adder_reducer, inputs2)
print(hxx, hxy, hyx, hyy)

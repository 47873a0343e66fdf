# source: PyTorch docs "torch.autograd.functional" (Functional higher level API), https://pytorch.org/docs/stable/autograd.html#functional-higher-level-api
# note: torch.autograd.functional.jacobian docstring examples (exp_reducer, exp_adder)
# compare: structure
from torch.autograd.functional import jacobian


def exp_reducer(x):
    return x.exp().sum(dim=1)


inputs = torch.rand(2, 2)
jac = jacobian(exp_reducer, inputs)
jac_graph = jacobian(exp_reducer, inputs, create_graph=True)


def exp_adder(x, y):
    return 2 * x.exp() + 3 * y


inputs2 = (torch.rand(2), torch.rand(2))
jx, jy = jacobian(exp_adder, inputs2)
print(jx.shape, jy)

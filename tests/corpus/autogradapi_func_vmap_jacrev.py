# source: PyTorch docs "torch.func" API reference, https://pytorch.org/docs/stable/func.api.html
# note: torch.func.vmap (batched dot) and jacrev(torch.sin) docstring examples
# compare: structure
import torch
from torch.func import vmap, jacrev

batched_dot = torch.func.vmap(torch.dot)  # [N, D], [N, D] -> [N]
x, y = torch.randn(2, 5), torch.randn(2, 5)
d = batched_dot(x, y)

batch_size, feature_size = 3, 5
weights = torch.randn(feature_size, requires_grad=True)


def model(feature_vec):
    # Very simple linear model with activation
    return feature_vec.dot(weights).relu()


examples = torch.randn(batch_size, feature_size)
result = vmap(model)(examples)

xs = torch.randn(5)
jacobian = jacrev(torch.sin)(xs)
expected = torch.diag(torch.cos(xs))
assert torch.allclose(jacobian, expected)

# source: PyTorch docs "torch.nn.utils.parametrizations.weight_norm" and "spectral_norm", https://pytorch.org/docs/stable/generated/torch.nn.utils.parametrizations.weight_norm.html
# refused: parametrizations -- a parametrized layer's weights live in a ModuleDict the program can write: an LSTM given one of another shape crashed the worker
# note: the docstring examples with a seeded Linear(20, 40)
from torch.nn.utils.parametrizations import weight_norm

torch.manual_seed(0)
m = weight_norm(nn.Linear(20, 40), name='weight')
print(m)
print(m.parametrizations.weight.original0.size())
print(m.parametrizations.weight.original1.size())
out = m(torch.randn(2, 20))
out.sum().backward()

# source: PyTorch docs "Autograd mechanics", https://pytorch.org/docs/stable/notes/autograd.html
# note: "Setting requires_grad" - freezing part of a model (requires_grad_ on a submodule)
# compare: structure
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
model[0].requires_grad_(False)
x = torch.randn(3, 4)
out = model(x).sum()
out.backward()
print(model[0].weight.grad is None, model[2].weight.grad is not None)

# source: d2l.ai "6.5 Custom Layers", https://d2l.ai/chapter_builders-guide/custom-layer.html
# note: CenteredLayer (no parameters) and MyLinear (nn.Parameter weight and bias); seeded
import torch
from torch import nn
from torch.nn import functional as F


class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, X):
        return X - X.mean()


layer = CenteredLayer()
centered = layer(torch.tensor([1.0, 2, 3, 4, 5]))
print(centered)

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(8, 128), CenteredLayer())
Y = net(torch.rand(4, 8))
print(Y.mean())


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units,))

    def forward(self, X):
        linear = torch.matmul(X, self.weight.data) + self.bias.data
        return F.relu(linear)


linear = MyLinear(5, 3)
print(linear.weight)
out = linear(torch.rand(2, 5))
net2 = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
out2 = net2(torch.rand(2, 64))

# source: d2l.ai "4.2 Implementation of Multilayer Perceptrons from Scratch" (d2l 0.17 edition), https://d2l.ai/chapter_multilayer-perceptrons/mlp-implementation.html
# note: nn.Parameter weights, relu via torch.max, nn.CrossEntropyLoss(reduction='none'),
# torch.optim.SGD over params; synthetic data; seeded
import torch
from torch import nn

torch.manual_seed(0)
num_inputs, num_outputs, num_hiddens = 784, 10, 256

W1 = nn.Parameter(torch.randn(
    num_inputs, num_hiddens, requires_grad=True) * 0.01)
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = nn.Parameter(torch.randn(
    num_hiddens, num_outputs, requires_grad=True) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))

params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X@W1 + b1)  # Here '@' stands for matrix multiplication
    return (H@W2 + b2)


loss = nn.CrossEntropyLoss(reduction='none')
num_epochs, lr = 3, 0.1
updater = torch.optim.SGD(params, lr=lr)
images = torch.rand(32, 1, 28, 28)
classes = torch.randint(0, 10, (32,))
for epoch in range(num_epochs):
    l = loss(net(images), classes)
    updater.zero_grad()
    l.mean().backward()
    updater.step()
    print(epoch, l.mean().item())

# source: d2l.ai "3.2 Object-Oriented Design for Implementation" and "3.4 Linear Regression Implementation from Scratch" (2nd edition API), https://d2l.ai/chapter_linear-regression/oo-design.html
# note: add_to_class (a decorator registering functions as methods), a Module base class, the
# multi-level LinearRegressionScratch(Module) with super().__init__(), its forward/loss/
# configure_optimizers added by @add_to_class, the SGD class, and a small fit loop with
# torch.no_grad(); save_hyperparameters (which inspects the caller's frame) written out as
# assignments, plotting and the Trainer's data module replaced by a synthetic batch; seeded
import torch
from torch import nn


def add_to_class(Class):  #@save
    """Register functions as methods in created class."""
    def wrapper(obj):
        setattr(Class, obj.__name__, obj)
    return wrapper


class A:
    def __init__(self):
        self.b = 1


a = A()


@add_to_class(A)
def do(self):
    print('Class attribute "b" is', self.b)


a.do()


class HyperParameters:  #@save
    """The base class of hyperparameters."""
    def save_hyperparameters(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)


class Module(nn.Module, HyperParameters):  #@save
    """The base class of models."""
    def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
        super().__init__()
        self.save_hyperparameters(plot_train_per_epoch=plot_train_per_epoch,
                                  plot_valid_per_epoch=plot_valid_per_epoch)

    def loss(self, y_hat, y):
        raise NotImplementedError

    def forward(self, X):
        assert hasattr(self, 'net'), 'Neural network is defined'
        return self.net(X)

    def training_step(self, batch):
        l = self.loss(self(*batch[:-1]), batch[-1])
        return l


class LinearRegressionScratch(Module):  #@save
    """The linear regression model implemented from scratch."""
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters(num_inputs=num_inputs, lr=lr, sigma=sigma)
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)


@add_to_class(LinearRegressionScratch)  #@save
def forward(self, X):
    return torch.matmul(X, self.w) + self.b


@add_to_class(LinearRegressionScratch)  #@save
def loss(self, y_hat, y):
    l = (y_hat - y) ** 2 / 2
    return l.mean()


class SGD(HyperParameters):  #@save
    """Minibatch stochastic gradient descent."""
    def __init__(self, params, lr):
        self.save_hyperparameters(params=params, lr=lr)

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


@add_to_class(LinearRegressionScratch)  #@save
def configure_optimizers(self):
    return SGD([self.w, self.b], self.lr)


torch.manual_seed(0)
model = LinearRegressionScratch(2, lr=0.03)
w_true = torch.tensor([2, -3.4])
X = torch.randn(64, 2)
y = (X @ w_true + 4.2 + torch.randn(64) * 0.01).reshape(-1, 1)
optim = model.configure_optimizers()
for epoch in range(3):
    for i in range(0, 64, 16):
        batch = (X[i:i + 16], y[i:i + 16])
        loss = model.training_step(batch)
        optim.zero_grad()
        with torch.no_grad():
            loss.backward()
            optim.step()
    print(epoch, model.loss(model(X), y).item())
print(f'error in estimating w: {w_true - model.w.reshape(w_true.shape)}')
print(f'error in estimating b: {4.2 - model.b}')
w = model.w
b = model.b

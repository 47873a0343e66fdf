# source: d2l.ai "3.7 Weight Decay" (d2l 0.17 "4.5 Weight Decay" from scratch), https://d2l.ai/chapter_linear-regression/weight-decay.html
# note: high-dimensional linear regression with an l2_penalty; 200 inputs, 20 examples, 10
# epochs instead of 100; seeded
import torch

torch.manual_seed(0)
n_train, num_inputs, batch_size = 20, 200, 5
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05
features = torch.normal(0, 1, (n_train, num_inputs))
labels = torch.matmul(features, true_w) + true_b + torch.normal(0, 0.01, (n_train, 1))


def init_params():
    w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train(lambd):
    w, b = init_params()
    net, loss = lambda X: linreg(X, w, b), squared_loss
    num_epochs, lr = 10, 0.003
    for epoch in range(num_epochs):
        for i in range(0, n_train, batch_size):
            X, y = features[i:i + batch_size], labels[i:i + batch_size]
            # The L2 norm penalty term has been added, and broadcasting
            # makes `l2_penalty(w)` a vector whose length is `batch_size`
            l = loss(net(X), y) + lambd * l2_penalty(w)
            l.sum().backward()
            sgd([w, b], lr, batch_size)
    print('L2 norm of w:', torch.norm(w).item())
    return w


w0 = train(lambd=0)
w3 = train(lambd=3)

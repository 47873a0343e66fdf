# source: PyTorch docs "torch.autograd.grad", https://pytorch.org/docs/stable/generated/torch.autograd.grad.html
# note: higher-order derivative with create_graph=True, then a second grad
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
dy_dx, = torch.autograd.grad(y, x, create_graph=True)
print(dy_dx)
d2y_dx2, = torch.autograd.grad(dy_dx, x)
print(d2y_dx2)

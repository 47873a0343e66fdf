import torch

# y = x**3, so dy/dx = 3*x**2 = 27 and d2y/dx2 = 6*x = 18 at x = 3
x = torch.tensor(3.0, requires_grad=True)
y = x ** 3

# create_graph=True records the backward pass too, so the gradient can be differentiated again
dy_dx = torch.autograd.grad(y, x, create_graph=True)[0]
print("dy/dx =", dy_dx)
d2y_dx2 = torch.autograd.grad(dy_dx, x)[0]
print("d2y/dx2 =", d2y_dx2)

# the same with backward(): with create_graph=True, x.grad is itself part of a graph
z = x ** 3
z.backward(create_graph=True)
print("x.grad =", x.grad)
g = x.grad
x.grad = None
g.backward()
print("x.grad after g.backward() =", x.grad)

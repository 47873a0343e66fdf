# source: fast.ai course 2022 lesson 3, Jeremy Howard's notebook "How does a neural net really work?", https://www.kaggle.com/code/jhoward/how-does-a-neural-net-really-work
# note: quad with functools.partial, numpy noise, mae, and the gradient-descent loop on abc;
# np.random.seed(42) as in the notebook; plots omitted
import numpy as np
import torch
from functools import partial


def f(x): return 3*x**2 + 2*x + 1


def quad(a, b, c, x): return a*x**2 + b*x + c


def mk_quad(a,b,c): return partial(quad, a,b,c)


f2 = mk_quad(3,2,1)
print(f2(1.5))


def noise(x, scale): return np.random.normal(scale=scale, size=x.shape)


def add_noise(x, mult, add): return x * (1+noise(x,mult)) + noise(x,add)


np.random.seed(42)

x = torch.linspace(-2, 2, steps=20)[:,None]
y = add_noise(f(x), 0.15, 1.5)
print(x[:5],y[:5])


def mae(preds, acts): return (torch.abs(preds-acts)).mean()


def quad_mae(params):
    f = mk_quad(*params)
    return mae(f(x), y)


print(quad_mae([1.1, 1.1, 1.1]))

abc = torch.tensor([1.1,1.1,1.1])
abc.requires_grad_()
loss = quad_mae(abc)
print(loss)
loss.backward()
print(abc.grad)

with torch.no_grad():
    abc -= abc.grad*0.01
    loss = quad_mae(abc)

print(f'loss={loss:.2f}')

for i in range(10):
    loss = quad_mae(abc)
    loss.backward()
    with torch.no_grad(): abc -= abc.grad*0.01
    print(f'step={i}; loss={loss:.2f}')


def rectified_linear(m,b,x):
    y = m*x+b
    return torch.clip(y, 0.)


print(rectified_linear(1, 1, torch.tensor([-2.0, 0.5])))

# source: karpathy/micrograd README example, checked in torch as in test/test_engine.py test_more_ops, https://github.com/karpathy/micrograd/blob/master/test/test_engine.py
# note: the README expression in torch doubles; g.data 24.7041, a.grad 138.8338, b.grad 645.5773
import torch

a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()
amg, bmg, gmg = a, b, g
print(f'{g.data.item():.4f}')
print(f'{a.grad.item():.4f}')
print(f'{b.grad.item():.4f}')

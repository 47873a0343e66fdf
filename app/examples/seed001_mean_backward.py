import torch

x = torch.ones(2,3,requires_grad=True)
print(x)

y = x + 1
print(y)

y.requires_grad

x = torch.tensor([[1.,2.,3.],[4.,5.,6.]],requires_grad=True)
y = x+1
z = 2*y
m = torch.mean(z)

m.backward()

x.grad # m对x求导结果 结果为:1/3

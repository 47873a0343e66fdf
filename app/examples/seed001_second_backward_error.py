import torch

x = torch.tensor([[1.,2.,3.],[4.,5.,6.]],requires_grad=True)
y = x+1
z = 2*y
m = torch.mean(z)

m.backward()

x.grad # m对x求导结果 结果为:1/3

m.backward()#当我们尝试再次使用backward

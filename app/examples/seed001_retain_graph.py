import torch

x = torch.tensor([[1.,2.,3.],[4.,5.,6.]],requires_grad=True)
y = x+1
z = 2*y
m = torch.mean(z)
m.backward(retain_graph=True)
m.backward()

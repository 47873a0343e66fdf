import torch
import numpy as np

a=torch.tensor(1.0,dtype=torch.float)
b=torch.tensor(1,dtype=torch.long)
print(a,b)
c=torch.FloatTensor(2,3)
print(c)
d=np.array([[1,2,3],[4,5,6]])
print(d)
e=torch.tensor(d)
print(e)
f=torch.from_numpy(d)
print(f)
g=e.numpy()
print(g)
h=torch.rand(2,3)
print(h)
i=torch.ones(2,3)
print(i)
j=torch.zeros(2,3)
print(j)
k=torch.arange(0,10,2)
print(k)

# 维度信息查看
print(k.shape)
print(k.size())

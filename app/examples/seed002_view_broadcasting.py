import torch

h=torch.rand(2,3)
i=torch.ones(2,3)

# 基本运算
l = torch.add(h,i)
print(l)

# 改变形状
print(l.view(3,2))
print(l.view(-1,2))

# 广播机制
p=torch.arange(1, 3).view(1, 2)
print(p)
q=torch.arange(1, 4).view(3, 1)
print(q)
print(p + q)

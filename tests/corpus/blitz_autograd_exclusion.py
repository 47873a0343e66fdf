# source: PyTorch tutorial "A Gentle Introduction to torch.autograd" (60 Minute Blitz), https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html
# note: "Exclusion from the DAG"; the tutorial does not seed
# compare: structure
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

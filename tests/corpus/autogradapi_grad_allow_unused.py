# source: PyTorch docs "torch.autograd.grad", https://pytorch.org/docs/stable/generated/torch.autograd.grad.html
# note: allow_unused=True returns None for an input the output does not use
x = torch.tensor(1.0, requires_grad=True)
z = torch.tensor(5.0, requires_grad=True)
y = 3 * x
gx, gz = torch.autograd.grad(y, (x, z), allow_unused=True)
print(gx, gz)

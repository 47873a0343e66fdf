# source: PyTorch docs "torch.autograd.grad", https://pytorch.org/docs/stable/generated/torch.autograd.grad.html
# note: without allow_unused, an unused input is an error
x = torch.tensor(1.0, requires_grad=True)
z = torch.tensor(5.0, requires_grad=True)
y = 3 * x
gz = torch.autograd.grad(y, z)

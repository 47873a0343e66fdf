# source: PyTorch docs "torch.autograd.grad", https://pytorch.org/docs/stable/generated/torch.autograd.grad.html
# note: grad_outputs for a non-scalar output, retain_graph to differentiate twice
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * x
g1 = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), retain_graph=True)[0]
g2 = torch.autograd.grad(y, x, grad_outputs=torch.tensor([1.0, 0.0, 0.5]))[0]
print(g1, g2)

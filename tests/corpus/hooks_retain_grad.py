# source: PyTorch docs "torch.Tensor.retain_grad", https://pytorch.org/docs/stable/generated/torch.Tensor.retain_grad.html
# note: a non-leaf's .grad is None unless retain_grad() was called (plus is_leaf checks)
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = a * 2
b.retain_grad()
c = b * b
d = c.sum()
d.backward()
print(b.grad)
print(b.is_leaf, b.retains_grad, c.retains_grad)

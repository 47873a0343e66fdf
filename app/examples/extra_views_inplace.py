import torch

a = torch.arange(6.0, requires_grad=True)  # a leaf tensor
b = a * 2                                  # not a leaf: its .grad is normally not kept
b.retain_grad()                            # ask autograd to keep b.grad anyway

v = b.view(2, 3)  # a view shares its storage with b
v.add_(1)         # so an in-place change through the view changes b too
print("b after v.add_(1):", b)

t = v.t()         # the transpose is another view, and not contiguous
print("t.shape:", t.shape, "contiguous:", t.is_contiguous())

weights = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
out = (t * weights).sum()
out.backward()

print("b.grad:", b.grad)  # the weights, read back through t() and view()
print("a.grad:", a.grad)  # twice b.grad, because b = a * 2

# source: PyTorch docs "Autograd mechanics" (In-place operations with autograd), https://pytorch.org/docs/stable/notes/autograd.html#in-place-operations-with-autograd
# note: updating a leaf that requires grad outside torch.no_grad()
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
loss = (w * 2).sum()
loss.backward()
w -= 0.1 * w.grad

# source: PyTorch docs "Autograd mechanics" (Setting requires_grad; only floating point and complex tensors), https://pytorch.org/docs/stable/notes/autograd.html#setting-requires-grad
x = torch.tensor([1.5, 2.5], requires_grad=True)
n = torch.tensor([1, 2, 3], requires_grad=True)

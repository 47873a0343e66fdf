# source: PyTorch docs "Autograd mechanics", https://pytorch.org/docs/stable/notes/autograd.html
# note: "In-place operations with autograd": the version counter; sin saves its input, so an
# in-place change of x before backward is caught
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
x = a * 2
print(x._version)
y = x.sin()
x.add_(1)
print(x._version)
y.sum().backward()

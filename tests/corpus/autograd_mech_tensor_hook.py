# source: PyTorch docs "Autograd mechanics", https://pytorch.org/docs/stable/notes/autograd.html
# note: "Backward hooks execution" - a tensor hook modifies the grad flowing to a leaf
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = a.clone()
handle = b.register_hook(lambda grad: grad * 2)
b.sum().backward()
print(a.grad)
handle.remove()
c = a.clone()
c.sum().backward()
print(a.grad)

# source: PyTorch docs "torch.Tensor.register_hook", https://pytorch.org/docs/stable/generated/torch.Tensor.register_hook.html
# note: the docstring example, doubling the gradient, then removing the hook
v = torch.tensor([0., 0., 0.], requires_grad=True)
h = v.register_hook(lambda grad: grad * 2)  # double the gradient
v.backward(torch.tensor([1., 2., 3.]))
print(v.grad)

h.remove()  # removes the hook

# source: PyTorch docs "Locally disabling gradient computation" (torch.no_grad / enable_grad / set_grad_enabled / inference_mode), https://pytorch.org/docs/stable/autograd.html#locally-disable-grad
# note: torch.set_grad_enabled docstring: as a context manager with a flag, and as a function
x = torch.tensor([1.], requires_grad=True)
is_train = False
with torch.set_grad_enabled(is_train):
    y = x * 2
print(y.requires_grad)
_ = torch.set_grad_enabled(True)
y = x * 2
print(y.requires_grad)
_ = torch.set_grad_enabled(False)
y = x * 2
print(y.requires_grad)
torch.set_grad_enabled(True)

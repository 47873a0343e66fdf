# source: PyTorch docs "Locally disabling gradient computation" (torch.no_grad / enable_grad / set_grad_enabled / inference_mode), https://pytorch.org/docs/stable/autograd.html#locally-disable-grad
# note: torch.no_grad docstring: context manager and decorator
x = torch.tensor([1.], requires_grad=True)
with torch.no_grad():
    y = x * 2
print(y.requires_grad)

@torch.no_grad()
def doubler(x):
    return x * 2

z = doubler(x)
print(z.requires_grad)

@torch.no_grad()
def tripler(x):
    return x * 3

w = tripler(x)
print(w.requires_grad)

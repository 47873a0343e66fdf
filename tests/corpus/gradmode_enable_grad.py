# source: PyTorch docs "Locally disabling gradient computation" (torch.no_grad / enable_grad / set_grad_enabled / inference_mode), https://pytorch.org/docs/stable/autograd.html#locally-disable-grad
# note: torch.enable_grad docstring: inside no_grad, as context manager and decorator
x = torch.tensor([1.], requires_grad=True)
with torch.no_grad():
    with torch.enable_grad():
        y = x * 2
print(y.requires_grad)
y.backward()
print(x.grad)

@torch.enable_grad()
def doubler(x):
    return x * 2

with torch.no_grad():
    z = doubler(x)
print(z.requires_grad)

# source: PyTorch docs "Locally disabling gradient computation" (torch.no_grad / enable_grad / set_grad_enabled / inference_mode), https://pytorch.org/docs/stable/autograd.html#locally-disable-grad
# note: torch.inference_mode docstring: context manager and decorator
import torch
x = torch.ones(1, 2, 3, requires_grad=True)
with torch.inference_mode():
    y = x * x
print(y.requires_grad)
print(y.is_inference())

@torch.inference_mode()
def func(x):
    return x * x

out = func(x)
print(out.requires_grad)
print(torch.is_inference_mode_enabled())

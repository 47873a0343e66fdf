# source: PyTorch tutorial "Automatic Differentiation with torch.autograd" (Learn the Basics), https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html
# note: "Disabling Gradient Tracking": torch.no_grad() and detach()
# compare: structure
import torch

x = torch.ones(5)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)

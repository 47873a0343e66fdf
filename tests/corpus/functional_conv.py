# source: PyTorch docs "torch.nn.functional.conv2d", https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html
# note: docstring examples of F.conv1d and F.conv2d (with padding)
# compare: structure
import torch.nn.functional as F

inputs = torch.randn(33, 16, 30)
filters = torch.randn(20, 16, 5)
out1 = F.conv1d(inputs, filters)
# With square kernels and equal stride
filters2 = torch.randn(8, 4, 3, 3, requires_grad=True)
inputs2 = torch.randn(1, 4, 5, 5)
out2 = F.conv2d(inputs2, filters2, padding=1)
out2.sum().backward()

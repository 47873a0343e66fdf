# source: PyTorch docs "torch.nn.BatchNorm2d", https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html
# note: the docstring example on a smaller input
# compare: structure
# With Learnable Parameters
m = nn.BatchNorm2d(100)
# Without Learnable Parameters
m = nn.BatchNorm2d(100, affine=False)
m = nn.BatchNorm2d(100)
input = torch.randn(4, 100, 7, 9)
output = m(input)
(output ** 2).mean().backward()

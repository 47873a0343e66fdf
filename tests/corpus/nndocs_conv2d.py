# source: PyTorch docs "torch.nn.Conv2d", https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
# note: the docstring examples (square kernel, non-square with padding and dilation)
# compare: structure
# With square kernels and equal stride
m = nn.Conv2d(16, 33, 3, stride=2)
# non-square kernels and unequal stride and with padding
m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
# non-square kernels and unequal stride and with padding and dilation
m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))
input = torch.randn(4, 16, 20, 30)
output = m(input)
output.mean().backward()

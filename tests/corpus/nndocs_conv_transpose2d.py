# source: PyTorch docs "torch.nn.ConvTranspose2d", https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose2d.html
# note: the docstring examples, including output_size to undo a strided Conv2d
# compare: structure
# With square kernels and equal stride
m = nn.ConvTranspose2d(16, 33, 3, stride=2)
# non-square kernels and unequal stride and with padding
m = nn.ConvTranspose2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
input = torch.randn(4, 16, 20, 30)
output = m(input)
# exact output size can be also specified as an argument
input = torch.randn(1, 16, 12, 12)
downsample = nn.Conv2d(16, 16, 3, stride=2, padding=1)
upsample = nn.ConvTranspose2d(16, 16, 3, stride=2, padding=1)
h = downsample(input)
print(h.size())
output = upsample(h, output_size=input.size())
print(output.size())
output.sum().backward()

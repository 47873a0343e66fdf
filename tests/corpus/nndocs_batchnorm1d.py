# source: PyTorch docs "torch.nn.BatchNorm1d", https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm1d.html
# note: the docstring example (with and without learnable parameters), plus eval mode
# compare: structure
# With Learnable Parameters
m = nn.BatchNorm1d(100)
# Without Learnable Parameters
m2 = nn.BatchNorm1d(100, affine=False)
input = torch.randn(20, 100)
output = m(input)
output2 = m2(input)
output.sum().backward()
m.eval()
evaluated = m(input)
running_mean = m.running_mean

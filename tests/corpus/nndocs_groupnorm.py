# source: PyTorch docs "torch.nn.GroupNorm", https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html
# note: the docstring example
# compare: structure
input = torch.randn(20, 6, 10, 10)
# Separate 6 channels into 3 groups
m = nn.GroupNorm(3, 6)
# Separate 6 channels into 6 groups (equivalent with InstanceNorm)
m6 = nn.GroupNorm(6, 6)
# Put all 6 channels into a single group (equivalent with LayerNorm)
m1 = nn.GroupNorm(1, 6)
# Activating the module
output = m(input)
output.pow(2).sum().backward()
out1 = m1(input)

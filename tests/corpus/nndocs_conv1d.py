# source: PyTorch docs "torch.nn.Conv1d", https://pytorch.org/docs/stable/generated/torch.nn.Conv1d.html
# note: the docstring example
# compare: structure
m = nn.Conv1d(16, 33, 3, stride=2)
input = torch.randn(20, 16, 50)
output = m(input)
output.mean().backward()

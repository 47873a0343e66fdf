# source: PyTorch docs "torch.nn.NLLLoss", https://pytorch.org/docs/stable/generated/torch.nn.NLLLoss.html
# note: the docstring examples: 1-D and the 2-D (image) loss
# compare: structure
m = nn.LogSoftmax(dim=1)
loss = nn.NLLLoss()
# input to NLLLoss is of size N x C = 3 x 5
input = torch.randn(3, 5, requires_grad=True)
# each element in target must have 0 <= value < C
target = torch.tensor([1, 0, 4])
output = loss(m(input), target)
output.backward()
# 2D loss example (used, for example, with image inputs)
N, C = 5, 4
loss = nn.NLLLoss()
# input to NLLLoss is of size N x C x height (8) x width (8)
data = torch.randn(N, 16, 10, 10)
conv = nn.Conv2d(16, C, (3, 3))
m = nn.LogSoftmax(dim=1)
# each element in target must have 0 <= value < C
target = torch.empty(N, 8, 8, dtype=torch.long).random_(0, C)
output = loss(m(conv(data)), target)
output.backward()

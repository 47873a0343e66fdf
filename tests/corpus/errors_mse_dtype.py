# source: PyTorch docs "torch.nn.MSELoss" (input and target of the same shape), https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html
# note: target of a different shape broadcasts with a warning (as the docs warn), then a size
# mismatch that cannot broadcast raises
loss = nn.MSELoss()
input = torch.zeros(3, 1, requires_grad=True)
target = torch.ones(3)
output = loss(input, target)
output.backward()
print(input.grad)
bad = loss(torch.zeros(3, 2), torch.ones(4))

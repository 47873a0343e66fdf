# source: PyTorch docs "torch.nn.CrossEntropyLoss" (target: class indices in [0, C)), https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
# note: a class index equal to C
loss = nn.CrossEntropyLoss()
input = torch.zeros(3, 5, requires_grad=True)
target = torch.tensor([1, 0, 5])
output = loss(input, target)

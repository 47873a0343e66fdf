# source: PyTorch docs "torch.nn.CrossEntropyLoss", https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html
# note: the docstring examples: class indices and class probabilities
# compare: structure
# Example of target with class indices
loss = nn.CrossEntropyLoss()
input = torch.randn(3, 5, requires_grad=True)
target = torch.empty(3, dtype=torch.long).random_(5)
output = loss(input, target)
output.backward()
# Example of target with class probabilities
input2 = torch.randn(3, 5, requires_grad=True)
target2 = torch.randn(3, 5).softmax(dim=1)
output2 = loss(input2, target2)
output2.backward()

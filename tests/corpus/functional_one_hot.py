# source: PyTorch docs "torch.nn.functional.one_hot", https://pytorch.org/docs/stable/generated/torch.nn.functional.one_hot.html
# note: the docstring examples
a = F.one_hot(torch.arange(0, 5) % 3)
print(a)
b = F.one_hot(torch.arange(0, 5) % 3, num_classes=5)
print(b)
c = F.one_hot(torch.arange(0, 6).view(3,2) % 3)
print(c)

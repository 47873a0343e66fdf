# source: PyTorch docs "Broadcasting semantics", https://pytorch.org/docs/stable/notes/broadcasting.html
# note: the docs' non-broadcastable example: x and y with trailing sizes 3 and 4
x = torch.empty(5, 3, 4, 1)
y = torch.empty(3, 1, 1)
print((x + y).size())
x = torch.empty(5, 2, 4, 1)
y = torch.empty(3, 1, 1)
z = x + y

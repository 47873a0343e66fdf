# source: PyTorch docs "torch.nn.GRUCell", https://pytorch.org/docs/stable/generated/torch.nn.GRUCell.html
# note: the docstring example
# compare: structure
rnn = nn.GRUCell(10, 20)
input = torch.randn(6, 3, 10)
hx = torch.randn(3, 20)
output = []
for i in range(6):
    hx = rnn(input[i], hx)
    output.append(hx)
hx.sum().backward()

# source: PyTorch docs "torch.nn.GRU", https://pytorch.org/docs/stable/generated/torch.nn.GRU.html
# note: the docstring example, then backward
# compare: structure
rnn = nn.GRU(10, 20, 2)
input = torch.randn(5, 3, 10)
h0 = torch.randn(2, 3, 20)
output, hn = rnn(input, h0)
hn.sum().backward()

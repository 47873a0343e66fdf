# source: PyTorch docs "torch.nn.RNN", https://pytorch.org/docs/stable/generated/torch.nn.RNN.html
# note: the docstring example, then backward
# compare: structure
rnn = nn.RNN(10, 20, 2)
input = torch.randn(5, 3, 10)
h0 = torch.randn(2, 3, 20)
output, hn = rnn(input, h0)
output.sum().backward()

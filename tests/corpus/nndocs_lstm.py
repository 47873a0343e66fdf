# source: PyTorch docs "torch.nn.LSTM", https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html
# note: the docstring example, then backward
# compare: structure
rnn = nn.LSTM(10, 20, 2)
input = torch.randn(5, 3, 10)
h0 = torch.randn(2, 3, 20)
c0 = torch.randn(2, 3, 20)
output, (hn, cn) = rnn(input, (h0, c0))
output.sum().backward()

# source: PyTorch docs "torch.nn.Linear" (input features must match in_features), https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
# note: the docstring's m = nn.Linear(20, 30) applied to a (128, 30) input: shapes cannot be multiplied
m = nn.Linear(20, 30)
input = torch.randn(128, 30)
output = m(input)

# source: PyTorch docs "torch.nn.PReLU", https://pytorch.org/docs/stable/generated/torch.nn.PReLU.html
# note: docstring examples of ReLU, PReLU, ELU, GELU, Softplus, Softmax, LogSoftmax, Hardtanh
# compare: structure
m = nn.ReLU()
input = torch.randn(2)
output = m(input)
# An implementation of CReLU - https://arxiv.org/abs/1603.05201
m = nn.ReLU()
input = torch.randn(2).unsqueeze(0)
crelu = torch.cat((m(input), m(-input)))

m = nn.PReLU()
x = torch.randn(2, requires_grad=True)
prelu = m(x)
m_elu = nn.ELU()
elu = m_elu(x)
gelu = nn.GELU()(x)
softplus = nn.Softplus()(x)
hardtanh = nn.Hardtanh(-2, 2)(x)
(prelu + elu + gelu + softplus + hardtanh).sum().backward()

m = nn.Softmax(dim=1)
input = torch.randn(2, 3)
soft = m(input)
m = nn.LogSoftmax(dim=1)
logsoft = m(input)

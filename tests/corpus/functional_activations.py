# source: PyTorch docs "torch.nn.functional.relu", https://pytorch.org/docs/stable/generated/torch.nn.functional.relu.html
# note: F.relu, leaky_relu, elu, selu, gelu (tanh approx), silu, mish, hardswish, softplus, tanh, sigmoid, glu, threshold on a fixed input
x = torch.linspace(-3, 3, 7, requires_grad=True)
outs = [F.relu(x), F.leaky_relu(x, 0.1), F.elu(x), F.selu(x), F.gelu(x, approximate='tanh'),
        F.silu(x), F.mish(x), F.hardswish(x), F.softplus(x, beta=2), torch.tanh(x),
        torch.sigmoid(x), F.threshold(x, 0.5, -1.0), F.relu6(x * 3), F.hardsigmoid(x),
        F.logsigmoid(x), F.softsign(x), F.tanhshrink(x), F.celu(x)]
total = torch.stack(outs).sum()
total.backward()
glu = F.glu(torch.arange(8, dtype=torch.float32).view(2, 4), dim=-1)
print(glu)

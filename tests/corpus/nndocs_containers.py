# source: PyTorch docs "torch.nn.ModuleList", https://pytorch.org/docs/stable/generated/torch.nn.ModuleList.html
# note: docstring examples of ModuleList, ModuleDict and ParameterList
# compare: structure
class MyModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.linears = nn.ModuleList([nn.Linear(10, 10) for i in range(10)])

    def forward(self, x):
        # ModuleList can act as an iterable, or be indexed using ints
        for i, l in enumerate(self.linears):
            x = self.linears[i // 2](x) + l(x)
        return x


class MyDictModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.choices = nn.ModuleDict({
                'conv': nn.Conv2d(10, 10, 3),
                'pool': nn.MaxPool2d(3)
        })
        self.activations = nn.ModuleDict([
                ['lrelu', nn.LeakyReLU()],
                ['prelu', nn.PReLU()]
        ])

    def forward(self, x, choice, act):
        x = self.choices[choice](x)
        x = self.activations[act](x)
        return x


class MyParamModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.params = nn.ParameterList([nn.Parameter(torch.randn(10, 10)) for i in range(10)])

    def forward(self, x):
        # ParameterList can act as an iterable, or be indexed using ints
        for i, p in enumerate(self.params):
            x = self.params[i // 2].mm(x) + p.mm(x)
        return x


listed = MyModule()
y1 = listed(torch.randn(2, 10))
dicted = MyDictModule()
y2 = dicted(torch.randn(1, 10, 8, 8), 'conv', 'prelu')
paramed = MyParamModule()
y3 = paramed(torch.randn(10, 3) * 0.01)
(y1.sum() + y2.sum() + y3.sum()).backward()

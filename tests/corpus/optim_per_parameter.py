# source: PyTorch docs "torch.optim" (Per-parameter options, Taking an optimization step), https://pytorch.org/docs/stable/optim.html#per-parameter-options
# note: SGD with a base and a classifier param group with its own lr, momentum 0.9; closure-style
# step with LBFGS on the same model; seeded
import torch.optim as optim


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Linear(3, 4)
        self.classifier = nn.Linear(4, 2)

    def forward(self, x):
        return self.classifier(torch.relu(self.base(x)))


torch.manual_seed(0)
model = Model()
optimizer = optim.SGD([
                {'params': model.base.parameters()},
                {'params': model.classifier.parameters(), 'lr': 1e-3}
            ], lr=1e-2, momentum=0.9)
input = torch.randn(5, 3)
target = torch.randint(0, 2, (5,))
loss_fn = nn.CrossEntropyLoss()
for step in range(3):
    optimizer.zero_grad()
    output = model(input)
    loss = loss_fn(output, target)
    loss.backward()
    optimizer.step()
print([g['lr'] for g in optimizer.param_groups])

optimizer = optim.LBFGS(model.parameters(), lr=0.1)


def closure():
    optimizer.zero_grad()
    output = model(input)
    loss = loss_fn(output, target)
    loss.backward()
    return loss


for step in range(2):
    final = optimizer.step(closure)
print(final.item())

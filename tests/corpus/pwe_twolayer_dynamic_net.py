# source: PyTorch tutorial "Learning PyTorch with Examples" (2017 two-layer-net version), https://github.com/jcjohnson/pytorch-examples
# note: "PyTorch: Control Flow + Weight Sharing" (DynamicNet with random.randint(0, 3) middle
# layers); the tutorial does not seed random, so only structure is compared; 500 steps to 20;
# random.seed(0) added: whether the last step used the middle layer (and so whether it has a
# grad) is itself random
# compare: structure
import random
import torch
random.seed(0)


class DynamicNet(torch.nn.Module):
    def __init__(self, D_in, H, D_out):
        super(DynamicNet, self).__init__()
        self.input_linear = torch.nn.Linear(D_in, H)
        self.middle_linear = torch.nn.Linear(H, H)
        self.output_linear = torch.nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.input_linear(x).clamp(min=0)
        for _ in range(random.randint(0, 3)):
            h_relu = self.middle_linear(h_relu).clamp(min=0)
        y_pred = self.output_linear(h_relu)
        return y_pred


N, D_in, H, D_out = 16, 50, 20, 5
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = DynamicNet(D_in, H, D_out)

criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
for t in range(20):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# source: PyTorch tutorial "Learning PyTorch with Examples" (2017 two-layer-net version), https://github.com/jcjohnson/pytorch-examples
# note: "PyTorch: optim" (Sequential + Adam); sizes shrunk and 500 steps to 100; seeded
import torch

torch.manual_seed(0)
N, D_in, H, D_out = 16, 50, 20, 5

x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = torch.nn.Sequential(
    torch.nn.Linear(D_in, H),
    torch.nn.ReLU(),
    torch.nn.Linear(H, D_out),
)
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-4
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
for t in range(100):
    y_pred = model(x)
    loss = loss_fn(y_pred, y)
    if t % 20 == 19:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

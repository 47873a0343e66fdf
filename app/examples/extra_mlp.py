import torch
import torch.nn as nn
import matplotlib.pyplot as plt

torch.manual_seed(0)

# XOR is not linearly separable: the hidden layer and its ReLU are what make it learnable
X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
y = torch.tensor([[0.], [1.], [1.], [0.]])

model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

losses = []
for epoch in range(500):
    pred = model(X)
    loss = loss_fn(pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if epoch % 100 == 0:
        print(f"epoch {epoch}: loss = {loss.item():.4f}")

pred = model(X)
loss = loss_fn(pred, y)
print(f"final loss = {loss.item():.4f}")
print("rounded predictions:", [round(p) for p in pred.view(-1).tolist()])

plt.plot(losses)
plt.xlabel('epoch')
plt.ylabel('MSE loss')
plt.show()

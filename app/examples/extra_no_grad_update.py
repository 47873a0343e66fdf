import torch
import matplotlib.pyplot as plt

# fit y = 3x + 1 by plain gradient descent, updating w and b by hand
x = torch.linspace(0, 1, 20)
y = 3 * x + 1

w = torch.zeros(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.5

losses = []
for step in range(100):
    y_pred = w * x + b
    loss = ((y_pred - y) ** 2).mean()
    loss.backward()
    # the update itself must not become part of the graph
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    losses.append(loss.item())
    if step % 20 == 0:
        print(f"step {step:3d}  loss {loss.item():.5f}  w {w.item():.4f}  b {b.item():.4f}")

print("w =", round(w.item(), 3), "b =", round(b.item(), 3))
print("w is still a leaf:", w.is_leaf)

plt.plot(losses)
plt.xlabel('step')
plt.ylabel('loss')
plt.show()

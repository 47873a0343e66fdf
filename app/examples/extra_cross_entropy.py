import torch
from torch import nn, optim
import torch.nn.functional as F

torch.manual_seed(0)

# 4 samples with 3 features each, and their classes (0, 1 or 2)
x = torch.randn(4, 3)
labels = torch.tensor([0, 2, 1, 2])

model = nn.Linear(3, 3)
optimizer = optim.SGD(model.parameters(), lr=0.5)

logits = model(x)
logits.retain_grad()
probs = F.softmax(logits, dim=1)
loss = F.cross_entropy(logits, labels)

# cross entropy is the mean of -log(probability of the true class)
by_hand = -torch.log(probs[torch.arange(4), labels]).mean()
print(f"cross entropy {loss.item():.4f}, by hand {by_hand.item():.4f}")

optimizer.zero_grad()
loss.backward()

# the gradient of the loss with respect to the logits is (softmax - one_hot) / batch size
expected = (probs - F.one_hot(labels, 3)) / 4
print("logits.grad matches (softmax - one_hot) / 4:", torch.allclose(logits.grad, expected))

optimizer.step()
with torch.no_grad():
    new_loss = F.cross_entropy(model(x), labels)
print(f"loss after one SGD step {new_loss.item():.4f}")
print("predicted classes:", model(x).argmax(dim=1).tolist(), "true classes:", labels.tolist())

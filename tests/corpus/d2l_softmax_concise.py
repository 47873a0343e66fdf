# source: d2l.ai "3.7 Concise Implementation of Softmax Regression" (d2l 0.17 edition), https://d2l.ai/chapter_linear-networks/softmax-regression-concise.html
# note: nn.Flatten + nn.Linear(784, 10), init_weights via net.apply, CrossEntropyLoss(reduction
# ='none'); synthetic data instead of Fashion-MNIST; seeded
import torch
from torch import nn

torch.manual_seed(0)
# PyTorch does not implicitly reshape the inputs. Thus we define the flatten
# layer to reshape the inputs before the linear layer in our network
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.1)

images = torch.rand(64, 1, 28, 28)
classes = torch.randint(0, 10, (64,))
for epoch in range(3):
    for i in range(0, 64, 16):
        X, y = images[i:i + 16], classes[i:i + 16]
        l = loss(net(X), y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
    print(epoch + 1, loss(net(images), classes).mean().item())

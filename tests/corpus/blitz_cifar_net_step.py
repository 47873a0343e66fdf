# source: PyTorch tutorial "Training a Classifier" (60 Minute Blitz), https://pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html
# note: the CIFAR-10 Net, CrossEntropyLoss and SGD(momentum=0.9) for three steps on a random
# batch instead of CIFAR-10 (no downloads); seeded so values are compared
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1) # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


torch.manual_seed(0)
net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

inputs = torch.randn(4, 3, 32, 32)
labels = torch.tensor([3, 8, 8, 0])
running_loss = 0.0
for i in range(3):
    # zero the parameter gradients
    optimizer.zero_grad()

    # forward + backward + optimize
    outputs = net(inputs)
    loss = criterion(outputs, labels)
    loss.backward()
    optimizer.step()

    # print statistics
    running_loss += loss.item()
    print(f'[{1}, {i + 1:5d}] loss: {running_loss / 3:.3f}')

with torch.no_grad():
    outputs = net(inputs)
    _, predicted = torch.max(outputs, 1)
    total = labels.size(0)
    correct = (predicted == labels).sum().item()
print(f'Accuracy of the network on the 4 test images: {100 * correct // total} %')

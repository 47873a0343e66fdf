# source: PyTorch tutorial "A Gentle Introduction to torch.autograd" (60 Minute Blitz), https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html
# note: "Exclusion from the DAG" freezing a model and replacing its classifier; torchvision's
# resnet18 replaced by a small nn.Sequential with an `fc` layer (no downloads)
# compare: structure
from torch import nn, optim


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        self.fc = nn.Linear(16, 1000)

    def forward(self, x):
        return self.fc(self.features(x))


model = TinyNet()

# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(16, 10)

# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

data = torch.rand(1, 8)
labels = torch.rand(1, 10)
prediction = model(data)
loss = (prediction - labels).sum()
loss.backward()
optimizer.step()

# source: PyTorch docs "How to adjust learning rate" (torch.optim), https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate
# note: ExponentialLR and MultiStepLR chained on one optimizer, as in the docs, on a seeded
# Linear model and a synthetic batch instead of a dataset; 5 epochs
import torch
from torch.optim.lr_scheduler import ExponentialLR, MultiStepLR

torch.manual_seed(0)
model = [torch.nn.Parameter(torch.randn(2, 2, requires_grad=True))]
optimizer = torch.optim.SGD(model, 0.1)
scheduler1 = ExponentialLR(optimizer, gamma=0.9)
scheduler2 = MultiStepLR(optimizer, milestones=[3, 4], gamma=0.1)
x = torch.randn(4, 2)
for epoch in range(5):
    optimizer.zero_grad()
    output = x @ model[0]
    loss = output.pow(2).mean()
    loss.backward()
    optimizer.step()
    scheduler1.step()
    scheduler2.step()
    print(epoch, scheduler1.get_last_lr(), loss.item())
weights = model[0]

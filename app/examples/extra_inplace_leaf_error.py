import torch

w = torch.ones(3, requires_grad=True)

# changing a leaf that requires grad is fine while autograd is not recording
with torch.no_grad():
    w.add_(1)
print(w)

# but outside torch.no_grad() the same in-place update is an error
w.add_(1)

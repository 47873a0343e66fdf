# source: PyTorch docs "torch.nn.L1Loss", https://pytorch.org/docs/stable/generated/torch.nn.L1Loss.html
# note: docstring examples of L1Loss, MSELoss, SmoothL1Loss and HuberLoss
# compare: structure
loss = nn.L1Loss()
input = torch.randn(3, 5, requires_grad=True)
target = torch.randn(3, 5)
output = loss(input, target)
output.backward()
loss = nn.MSELoss()
output_mse = loss(input, target)
output_mse.backward()
smooth = nn.SmoothL1Loss(beta=0.5)(input, target)
huber = nn.HuberLoss(delta=0.5)(input, target)
(smooth + huber).backward()

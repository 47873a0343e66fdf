# source: PyTorch tutorial "Neural Networks" (60 Minute Blitz) - LeNet expects 1-channel 32x32 input, https://pytorch.org/tutorials/beginner/blitz/neural_networks_tutorial.html
# note: a 3-channel image into Conv2d(1, 6, 5)
conv1 = nn.Conv2d(1, 6, 5)
input = torch.zeros(1, 3, 32, 32)
out = conv1(input)

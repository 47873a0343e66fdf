# source: PyTorch docs "torch.nn.Upsample", https://pytorch.org/docs/stable/generated/torch.nn.Upsample.html
# note: the docstring examples on arange(1, 5) (nearest, bilinear, align_corners)
input = torch.arange(1, 5, dtype=torch.float32).view(1, 1, 2, 2)
print(input)
m = nn.Upsample(scale_factor=2, mode='nearest')
nearest = m(input)
print(nearest)
m = nn.Upsample(scale_factor=2, mode='bilinear')  # align_corners=False
bilinear = m(input)
print(bilinear)
m = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
aligned = m(input)
print(aligned)
# Try scaling the same data in a larger tensor
input_3x3 = torch.zeros(3, 3).view(1, 1, 3, 3)
input_3x3[:, :, :2, :2].copy_(input)
print(input_3x3)
m = nn.Upsample(scale_factor=2, mode='bilinear')  # align_corners=False
big = m(input_3x3)
print(big)

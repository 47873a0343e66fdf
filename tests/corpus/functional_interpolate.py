# source: PyTorch docs "torch.nn.functional.interpolate", https://pytorch.org/docs/stable/generated/torch.nn.functional.interpolate.html
# note: interpolate modes (nearest, linear, bilinear, bicubic) on fixed inputs, with grads
x = torch.arange(1, 5, dtype=torch.float32).view(1, 1, 4).requires_grad_()
nearest = F.interpolate(x, scale_factor=2, mode='nearest')
linear = F.interpolate(x, size=7, mode='linear', align_corners=True)
img = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4)
bilinear = F.interpolate(img, size=(6, 6), mode='bilinear', align_corners=False)
bicubic = F.interpolate(img, scale_factor=1.5, mode='bicubic', align_corners=False)
(nearest.sum() + linear.pow(2).sum()).backward()
print(linear)

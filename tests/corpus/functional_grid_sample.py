# source: PyTorch docs "torch.nn.functional.affine_grid", https://pytorch.org/docs/stable/generated/torch.nn.functional.affine_grid.html
# note: affine_grid + grid_sample (spatial transformer) with an identity-plus-shift theta
theta = torch.tensor([[[1.0, 0.0, 0.25], [0.0, 1.0, 0.0]]], requires_grad=True)
img = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4)
grid = F.affine_grid(theta, size=(1, 1, 4, 4), align_corners=False)
warped = F.grid_sample(img, grid, align_corners=False)
warped.sum().backward()
print(warped)

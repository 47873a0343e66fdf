# source: PyTorch docs "torch.nn.functional.avg_pool2d", https://pytorch.org/docs/stable/generated/torch.nn.functional.avg_pool2d.html
# note: docstring examples of F.avg_pool1d, max_pool2d, adaptive pools on fixed inputs
# pool of square window of size=3, stride=2
input = torch.tensor([[[1, 2, 3, 4, 5, 6, 7]]], dtype=torch.float32)
avg = F.avg_pool1d(input, kernel_size=3, stride=2)
print(avg)
img = torch.arange(36, dtype=torch.float32).view(1, 1, 6, 6).requires_grad_()
mx = F.max_pool2d(img, kernel_size=2)
mx_idx, idx = F.max_pool2d(img, 3, stride=2, return_indices=True)
ad = F.adaptive_avg_pool2d(img, (2, 3))
admax = F.adaptive_max_pool2d(img, 1)
lp = F.lp_pool2d(img, 2, 2)
(mx.sum() + ad.sum() + admax.sum() + lp.sum()).backward()
print(idx)

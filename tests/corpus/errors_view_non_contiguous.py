# source: PyTorch docs "torch.Tensor.view", https://pytorch.org/docs/stable/generated/torch.Tensor.view.html
# note: the docstring's transpose makes the tensor non-contiguous; view(-1) fails, reshape works
a = torch.arange(24.0).view(2, 3, 4)
b = a.transpose(1, 2)  # Swaps 2nd and 3rd dimension
print(b.is_contiguous())
r = b.reshape(-1)
c = b.view(-1)

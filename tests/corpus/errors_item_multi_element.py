# source: PyTorch docs "torch.Tensor.item", https://pytorch.org/docs/stable/generated/torch.Tensor.item.html
# note: the docstring example, then item() on a tensor with more than one element
x = torch.tensor([[1.0]])
print(x.item())
y = torch.tensor([1.0, 2.0])
value = y.item()

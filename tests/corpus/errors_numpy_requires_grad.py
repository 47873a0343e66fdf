# source: PyTorch tutorial "Tensors" (Bridge with NumPy) and the torch.Tensor.numpy docs, https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html
# note: numpy() on a tensor that requires grad; detach().numpy() works
x = torch.ones(3, requires_grad=True)
fine = x.detach().numpy()
print(fine)
y = x * 2
arr = y.numpy()

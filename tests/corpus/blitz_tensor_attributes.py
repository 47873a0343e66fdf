# source: PyTorch tutorial "Deep Learning with PyTorch: A 60 Minute Blitz" - Tensors, https://pytorch.org/tutorials/beginner/blitz/tensor_tutorial.html
# note: "Attributes of a Tensor"; no imports
# compare: structure
tensor = torch.rand(3, 4)

print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")

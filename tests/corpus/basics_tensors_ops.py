# source: PyTorch tutorial "Tensors" (Learn the Basics), https://pytorch.org/tutorials/beginner/basics/tensorqs_tutorial.html
# note: "Operations on Tensors": standard numpy-like indexing, torch.cat, arithmetic,
# single-element tensors, in-place operations
import torch
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:,1] = 0
print(tensor)
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

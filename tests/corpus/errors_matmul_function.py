# source: PyTorch docs "torch.matmul", https://pytorch.org/docs/stable/generated/torch.matmul.html
# note: a matrix x matrix product with mismatched inner dimensions, inside a user function
def forward(x, w):
    return x @ w

tensor1 = torch.ones(3, 4)
tensor2 = torch.ones(5, 2)
ok = torch.matmul(tensor1, torch.ones(4, 2))
result = forward(tensor1, tensor2)

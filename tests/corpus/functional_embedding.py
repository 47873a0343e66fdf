# source: PyTorch docs "torch.nn.functional.embedding", https://pytorch.org/docs/stable/generated/torch.nn.functional.embedding.html
# note: the docstring examples (a batch of 2 samples of 4 indices; padding_idx)
# a batch of 2 samples of 4 indices each
# compare: structure
input = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
# an embedding matrix containing 10 tensors of size 3
embedding_matrix = torch.rand(10, 3)
emb = F.embedding(input, embedding_matrix)
print(emb.shape)
# example with padding_idx
weights = torch.rand(10, 3)
weights[0, :].zero_()
embedding_matrix = weights
input = torch.tensor([[0, 2, 0, 5]])
padded = F.embedding(input, embedding_matrix, padding_idx=0)
print(padded[0, 0], padded[0, 2])
w = torch.arange(12, dtype=torch.float32).view(4, 3).requires_grad_()
looked = F.embedding(torch.tensor([[0, 3], [3, 1]]), w)
looked.sum().backward()

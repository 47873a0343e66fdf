# source: PyTorch docs "torch.nn.EmbeddingBag", https://pytorch.org/docs/stable/generated/torch.nn.EmbeddingBag.html
# note: the docstring example (mode='sum' with offsets), plus max mode
# compare: structure
# an EmbeddingBag module containing 10 tensors of size 3
embedding_sum = nn.EmbeddingBag(10, 3, mode='sum')
# a batch of 2 samples of 4 indices each
input = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9], dtype=torch.long)
offsets = torch.tensor([0, 4], dtype=torch.long)
bags = embedding_sum(input, offsets)
bags.sum().backward()
embedding_max = nn.EmbeddingBag(10, 3, mode='max')
bags_max = embedding_max(input, offsets)

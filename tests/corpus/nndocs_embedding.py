# source: PyTorch docs "torch.nn.Embedding", https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
# note: the docstring examples: a batch of 2 samples of 4 indices, padding_idx, from_pretrained
# compare: structure
# an Embedding module containing 10 tensors of size 3
embedding = nn.Embedding(10, 3)
# a batch of 2 samples of 4 indices each
input = torch.LongTensor([[1, 2, 4, 5], [4, 3, 2, 9]])
emb = embedding(input)
emb.sum().backward()

# example with padding_idx
embedding = nn.Embedding(10, 3, padding_idx=0)
input = torch.LongTensor([[0, 2, 0, 5]])
padded = embedding(input)

# example of changing `pad` vector
padding_idx = 0
embedding = nn.Embedding(3, 3, padding_idx=padding_idx)
with torch.no_grad():
    embedding.weight[padding_idx] = torch.ones(3)

# FloatTensor containing pretrained weights
weight = torch.FloatTensor([[1, 2.3, 3], [4, 5.1, 6.3]])
pretrained = nn.Embedding.from_pretrained(weight)
# Get embeddings for index 1
input = torch.LongTensor([1])
looked_up = pretrained(input)
print(looked_up)

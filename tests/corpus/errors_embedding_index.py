# source: PyTorch docs "torch.nn.Embedding" (indices must be < num_embeddings), https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
embedding = nn.Embedding(10, 3)
input = torch.LongTensor([[1, 2, 4, 5], [4, 3, 2, 10]])
out = embedding(input)

# source: PyTorch docs "torch.nn.LayerNorm", https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html
# note: the docstring's NLP and image examples
# compare: structure
# NLP Example
batch, sentence_length, embedding_dim = 20, 5, 10
embedding = torch.randn(batch, sentence_length, embedding_dim)
layer_norm = nn.LayerNorm(embedding_dim)
# Activate module
normed = layer_norm(embedding)
normed.pow(3).sum().backward()
# Image Example
N, C, H, W = 20, 5, 10, 10
input = torch.randn(N, C, H, W)
# Normalize over the last three dimensions (i.e. the channel and spatial dimensions)
# as shown in the image below
layer_norm2 = nn.LayerNorm([C, H, W])
output = layer_norm2(input)

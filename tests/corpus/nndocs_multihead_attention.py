# source: PyTorch docs "torch.nn.MultiheadAttention", https://pytorch.org/docs/stable/generated/torch.nn.MultiheadAttention.html
# note: the docstring example with embed_dim=8, num_heads=2 and (L, N, E) inputs, then backward
# compare: structure
embed_dim, num_heads = 8, 2
query = torch.randn(4, 3, embed_dim)
key = torch.randn(5, 3, embed_dim)
value = torch.randn(5, 3, embed_dim)
multihead_attn = nn.MultiheadAttention(embed_dim, num_heads)
attn_output, attn_output_weights = multihead_attn(query, key, value)
attn_output.sum().backward()

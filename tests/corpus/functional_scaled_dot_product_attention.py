# source: PyTorch docs "torch.nn.functional.scaled_dot_product_attention", https://pytorch.org/docs/stable/generated/torch.nn.functional.scaled_dot_product_attention.html
# note: the docstring-style call with a causal mask on fixed-seed inputs
torch.manual_seed(0)
query = torch.rand(2, 3, 4, 8, requires_grad=True)
key = torch.rand(2, 3, 4, 8)
value = torch.rand(2, 3, 4, 8)
out = F.scaled_dot_product_attention(query, key, value, is_causal=True)
out.sum().backward()
manual = torch.softmax((query @ key.transpose(-2, -1) / 8 ** 0.5).masked_fill(torch.ones(4, 4).triu(1).bool(), float('-inf')), dim=-1) @ value
print(torch.allclose(out, manual, atol=1e-6))

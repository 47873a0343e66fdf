# source: PyTorch docs "torch.nn.functional.dropout", https://pytorch.org/docs/stable/generated/torch.nn.functional.dropout.html
# note: F.dropout in training and eval, alpha_dropout, dropout2d (random masks)
# compare: structure
x = torch.ones(4, 6, requires_grad=True)
y = F.dropout(x, p=0.5, training=True)
z = F.dropout(x, p=0.5, training=False)
y.sum().backward()
a = F.alpha_dropout(torch.randn(8), p=0.2, training=True)
d2 = F.dropout2d(torch.randn(1, 4, 3, 3), p=0.5)

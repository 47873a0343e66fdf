# source: PyTorch docs "torch.nn.functional.cross_entropy", https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html
# note: the docstring examples (class indices, class probabilities), plus label_smoothing
# compare: structure
# Example of target with class indices
input = torch.randn(3, 5, requires_grad=True)
target = torch.randint(5, (3,), dtype=torch.int64)
loss = F.cross_entropy(input, target)
loss.backward()
# Example of target with class probabilities
input2 = torch.randn(3, 5, requires_grad=True)
target2 = torch.randn(3, 5).softmax(dim=1)
loss2 = F.cross_entropy(input2, target2)
loss2.backward()
smoothed = F.cross_entropy(input, target, label_smoothing=0.1)

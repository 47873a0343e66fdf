# source: PyTorch docs "torch.nn.AdaptiveAvgPool2d", https://pytorch.org/docs/stable/generated/torch.nn.AdaptiveAvgPool2d.html
# note: docstring examples of AdaptiveAvgPool2d, MaxPool2d and AvgPool2d
# compare: structure
# target output size of 5x7
m = nn.AdaptiveAvgPool2d((5, 7))
input = torch.randn(1, 64, 8, 9)
output = m(input)
# target output size of 7x7 (square)
m = nn.AdaptiveAvgPool2d(7)
input = torch.randn(1, 64, 10, 9)
output7 = m(input)
# target output size of 10x7
m = nn.AdaptiveAvgPool2d((None, 7))
input = torch.randn(1, 64, 10, 9)
output_none = m(input)
# pool of square window of size=3, stride=2
mp = nn.MaxPool2d(3, stride=2)
# pool of non-square window
mp = nn.MaxPool2d((3, 2), stride=(2, 1))
x = torch.randn(20, 16, 50, 32, requires_grad=True)
maxed = mp(x)
ap = nn.AvgPool2d((3, 2), stride=(2, 1))
averaged = ap(x)
(maxed.sum() + averaged.sum()).backward()

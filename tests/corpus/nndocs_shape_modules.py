# source: PyTorch docs "torch.nn.Unflatten", https://pytorch.org/docs/stable/generated/torch.nn.Unflatten.html
# note: docstring examples of Flatten, Unflatten, PixelShuffle, Identity and Bilinear
# compare: structure
input = torch.randn(32, 1, 5, 5)
# With default parameters
m = nn.Flatten()
output = m(input)
# With non-default parameters
m = nn.Flatten(0, 2)
output2 = m(input)

input = torch.randn(2, 50)
# With tuple of ints
m = nn.Sequential(
    nn.Linear(50, 50),
    nn.Unflatten(1, (2, 5, 5))
)
unflat = m(input)

pixel_shuffle = nn.PixelShuffle(3)
input = torch.randn(1, 9, 4, 4)
shuffled = pixel_shuffle(input)
print(shuffled.size())

m = nn.Identity(54, unused_argument1=0.1, unused_argument2=False)
input = torch.randn(128, 20)
same = m(input)
print(same.size())

m = nn.Bilinear(20, 30, 40)
input1 = torch.randn(128, 20)
input2 = torch.randn(128, 30)
bil = m(input1, input2)
print(bil.size())

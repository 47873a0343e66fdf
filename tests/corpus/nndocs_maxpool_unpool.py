# source: PyTorch docs "torch.nn.MaxUnpool2d", https://pytorch.org/docs/stable/generated/torch.nn.MaxUnpool2d.html
# note: the docstring example: MaxPool2d(return_indices=True) then MaxUnpool2d, and output_size
pool = nn.MaxPool2d(2, stride=2, return_indices=True)
unpool = nn.MaxUnpool2d(2, stride=2)
input = torch.tensor([[[[ 1.,  2.,  3.,  4.],
                        [ 5.,  6.,  7.,  8.],
                        [ 9., 10., 11., 12.],
                        [13., 14., 15., 16.]]]])
output, indices = pool(input)
restored = unpool(output, indices)
print(restored)
# Now using output_size to resolve an ambiguous size for the inverse
input = torch.tensor([[[[ 1.,  2.,  3., 4., 5.],
                        [ 6.,  7.,  8., 9., 10.],
                        [11., 12., 13., 14., 15.],
                        [16., 17., 18., 19., 20.]]]])
output, indices = pool(input)
# This call will not work without specifying output_size
restored2 = unpool(output, indices, output_size=input.size())
print(restored2)

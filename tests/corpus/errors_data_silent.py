# source: PyTorch blog "PyTorch 0.4.0 Migration Guide" (What about .data?), https://pytorch.org/blog/pytorch-0_4_0-migration-guide/
# note: the same program with .data: no error, and a wrong gradient (zeros), as the guide warns
a = torch.tensor([1,2,3.], requires_grad = True)
out = a.sigmoid()
c = out.data
c.zero_()
print(out)  # out  was modified by c.zero_()
out.sum().backward()
print(a.grad)  # The result is very, very wrong because `out` changed!

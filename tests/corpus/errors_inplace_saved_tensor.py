# source: PyTorch blog "PyTorch 0.4.0 Migration Guide" (What about .data?), https://pytorch.org/blog/pytorch-0_4_0-migration-guide/
# note: detach() shares storage, c.zero_() changes the output sigmoid saved; backward detects it
a = torch.tensor([1,2,3.], requires_grad = True)
out = a.sigmoid()
c = out.detach()
c.zero_()
print(out)  # modified by c.zero_() !!
out.sum().backward()  # Requires the original value of out, but that was overwritten by c.zero_()

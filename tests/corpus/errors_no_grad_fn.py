# source: PyTorch tutorial "Automatic Differentiation with torch.autograd" (Disabling gradient tracking), https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html
# note: backward on a result computed under torch.no_grad()
x = torch.ones(5)
w = torch.ones(5, 3, requires_grad=True)
with torch.no_grad():
    z = torch.matmul(x, w)
print(z.requires_grad)
z.sum().backward()

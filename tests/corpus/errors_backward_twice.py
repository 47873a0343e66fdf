# source: PyTorch tutorial "Automatic Differentiation with torch.autograd" (retain_graph note), https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html
# note: a second backward through a freed graph
x = torch.ones(5)
w = torch.tensor([[0.5, -1.0, 2.0]] * 5, requires_grad=True)
z = torch.matmul(x, w)
loss = z.exp().sum()
loss.backward()
loss.backward()

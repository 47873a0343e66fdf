# source: PyTorch tutorial "A Gentle Introduction to torch.autograd" (Q.backward needs gradient=), https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html
# note: Q is a vector, so backward() without a gradient argument fails
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2
Q.backward()

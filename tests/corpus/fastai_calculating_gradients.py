# source: fast.ai "Deep Learning for Coders" (fastbook) chapter 4 "Under the Hood: Training a Digit Classifier", https://github.com/fastai/fastbook/blob/master/04_mnist_basics.ipynb
# note: "Calculating Gradients": f(x) = x**2 at 3., then the vector version; fastai's tensor()
# is torch.tensor here
from torch import tensor


def f(x): return x**2
xt = tensor(3.).requires_grad_()
yt = f(xt)
print(yt)
yt.backward()
print(xt.grad)

xt = tensor([3.,4.,10.]).requires_grad_()
print(xt)
def f(x): return (x**2).sum()

yt = f(xt)
print(yt)
yt.backward()
print(xt.grad)

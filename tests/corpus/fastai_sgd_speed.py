# source: fast.ai "Deep Learning for Coders" (fastbook) chapter 4 "Under the Hood: Training a Digit Classifier", https://github.com/fastai/fastbook/blob/master/04_mnist_basics.ipynb
# note: "An End-to-End SGD Example" (the roller-coaster speed quadratic), 10 apply_step calls;
# the book does not seed
# compare: structure
time = torch.arange(0,20).float(); time
speed = torch.randn(20)*3 + 0.75*(time-9.5)**2 + 1


def f(t, params):
    a,b,c = params
    return a*(t**2) + (b*t) + c


def mse(preds, targets): return ((preds-targets)**2).mean()


params = torch.randn(3).requires_grad_()
orig_params = params.clone()
preds = f(time, params)
loss = mse(preds, speed)
loss.backward()
print(params.grad * 1e-5)
lr = 1e-5
params.data -= lr * params.grad.data
params.grad = None
preds = f(time,params)
mse(preds, speed)


def apply_step(params, prn=True):
    preds = f(time, params)
    loss = mse(preds, speed)
    loss.backward()
    params.data -= lr * params.grad.data
    params.grad = None
    if prn: print(loss.item())
    return preds


for i in range(10): apply_step(params)

# source: fast.ai Practical Deep Learning for Coders 2019, lesson 2 notebook "lesson2-sgd", https://github.com/fastai/course-v3/blob/master/nbs/dl1/lesson2-sgd.ipynb
# note: y = x@a + noise, nn.Parameter a, update() with a.sub_ under no_grad; fastai's tensor(3.,2)
# re-created with *args; 100 steps as in the lesson; the lesson does not seed
# compare: structure
def tensor(x, *rest):
    """fastai's tensor(): tensor(3., 2) is torch.tensor([3., 2])."""
    return torch.tensor([x, *rest]) if rest else torch.tensor(x)


n=100
x = torch.ones(n,2)
x[:,0].uniform_(-1.,1)
print(x[:5])
a = tensor(3.,2); a
y = x@a + torch.rand(n)


def mse(y_hat, y): return ((y_hat-y)**2).mean()


a = tensor(-1.,1)
y_hat = x@a
mse(y_hat, y)

a = nn.Parameter(a); a


def update():
    y_hat = x@a
    loss = mse(y, y_hat)
    if t % 10 == 0: print(loss)
    loss.backward()
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()


lr = 1e-1
for t in range(100): update()

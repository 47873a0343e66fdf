# source: fast.ai "Deep Learning for Coders" (fastbook) chapter 4 "Under the Hood: Training a Digit Classifier", https://github.com/fastai/fastbook/blob/master/04_mnist_basics.ipynb
# note: "The MNIST Loss Function": init_params, linear1, mnist_loss with torch.where, sigmoid,
# calc_grad, train_epoch, batch_accuracy, BasicOptim, on synthetic 28x28 "3s and 7s"; seeded
from torch import tensor

torch.manual_seed(42)
train_x = torch.rand(32, 28*28)
train_y = tensor([1, 0] * 16).unsqueeze(1).float()
dset = list(zip(train_x, train_y))
x, y = dset[0]
print(x.shape, y)


def init_params(size, std=1.0): return (torch.randn(size)*std).requires_grad_()


weights = init_params((28*28,1))
bias = init_params(1)
print((train_x[0]*weights.T).sum() + bias)


def linear1(xb): return xb@weights + bias


preds = linear1(train_x)
corrects = (preds>0.0).float() == train_y
print(corrects.float().mean().item())

trgts  = tensor([1,0,1])
prds   = tensor([0.9, 0.4, 0.2])
print(torch.where(trgts==1, 1-prds, prds))


def mnist_loss(predictions, targets):
    predictions = predictions.sigmoid()
    return torch.where(targets==1, 1-predictions, predictions).mean()


print(mnist_loss(prds,trgts))
print(mnist_loss(tensor([0.9, 0.4, 0.8]),trgts))


def calc_grad(xb, yb, model):
    preds = model(xb)
    loss = mnist_loss(preds, yb)
    loss.backward()


def batch_accuracy(xb, yb):
    preds = xb.sigmoid()
    correct = (preds>0.5) == yb
    return correct.float().mean()


dl = [(train_x[i:i+8], train_y[i:i+8]) for i in range(0, 32, 8)]
lr = 1.


def train_epoch(model, lr, params):
    for xb,yb in dl:
        calc_grad(xb, yb, model)
        for p in params:
            p.data -= p.grad*lr
            p.grad.zero_()


def validate_epoch(model):
    accs = [batch_accuracy(model(xb), yb) for xb,yb in dl]
    return round(torch.stack(accs).mean().item(), 4)


params = weights,bias
for i in range(5):
    train_epoch(linear1, lr, params)
    print(validate_epoch(linear1), end=' ')
print()


class BasicOptim:
    def __init__(self,params,lr): self.params,self.lr = list(params),lr

    def step(self, *args, **kwargs):
        for p in self.params: p.data -= p.grad.data * self.lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params: p.grad = None


linear_model = nn.Linear(28*28,1)
opt = BasicOptim(linear_model.parameters(), lr)


def train_epoch2(model):
    for xb,yb in dl:
        calc_grad(xb, yb, model)
        opt.step()
        opt.zero_grad()


for i in range(3):
    train_epoch2(linear_model)
    print(validate_epoch(linear_model), end=' ')
print()

# source: PyTorch docs "torch.func" API reference, https://pytorch.org/docs/stable/func.api.html
# note: torch.func.grad docstring: first and second derivative of sin, and has_aux
# compare: structure
from torch.func import grad
x = torch.randn([])
cos_x = grad(lambda x: torch.sin(x))(x)
assert torch.allclose(cos_x, x.cos())

# Second-order gradients
neg_sin_x = grad(grad(lambda x: torch.sin(x)))(x)
assert torch.allclose(neg_sin_x, -x.sin())


def my_loss_func(y, y_pred):
    loss_per_sample = (0.5 * y_pred - y) ** 2
    loss = loss_per_sample.mean()
    return loss, (y_pred, loss_per_sample)


fn = grad(my_loss_func, argnums=(0, 1), has_aux=True)
y_true = torch.rand(4)
y_preds = torch.rand(4, requires_grad=True)
(gy, gpred), (_, per_sample) = fn(y_true, y_preds)
print(gy.shape, gpred.shape)

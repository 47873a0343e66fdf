# source: PyTorch docs "Extending PyTorch" (Extending torch.autograd), https://pytorch.org/docs/stable/notes/extending.html
# note: an in-place Function that calls ctx.mark_dirty (docs' Inplace example)
class Inplace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x_npy = x.numpy() # x_npy shares storage with x
        x_npy += 1
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


a = torch.tensor(1., requires_grad=True, dtype=torch.double).clone()
b = Inplace.apply(a)  # This would lead to wrong gradients!
                      # but the engine would not know unless we mark_dirty
b.backward()
print(a, b)

# source: PyTorch docs "Extending PyTorch" (Extending torch.autograd), https://pytorch.org/docs/stable/notes/extending.html
# note: a sort Function marking its index output non-differentiable, and
# once_differentiable-free backward using ctx.saved_tensors (docs' Func example)
class Func(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        sorted, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(x, idx)
        return sorted, idx

    @staticmethod
    def backward(ctx, g1, g2):  # still need to accept g2
        x, idx = ctx.saved_tensors
        grad_input = torch.zeros_like(x)
        grad_input.index_add_(0, idx, g1)
        return grad_input


x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
s, i = Func.apply(x)
(s * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
print(s, i, i.requires_grad)
print(x.grad)

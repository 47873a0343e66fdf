# source: PyTorch docs "Extending PyTorch" (Extending torch.autograd), https://pytorch.org/docs/stable/notes/extending.html
# note: MulConstant - a non-tensor argument kept on ctx, backward returns None for it
class MulConstant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        # ctx is a context object that can be used to stash information
        # for backward computation
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        # We return as many input gradients as there were arguments.
        # Gradients of non-Tensor arguments to forward must be None.
        return grad_output * ctx.constant, None


x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = MulConstant.apply(x, 5.5)
y.sum().backward()
print(x.grad)

# source: PyTorch docs "torch.autograd.Function", https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function
# note: the class docstring's Exp example, saving the result for backward
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result


# Use it by calling the apply method:
input = torch.tensor([0.0, 0.5, 1.0], requires_grad=True)
output = Exp.apply(input)
output.sum().backward()
print(output.grad_fn.__class__.__name__)
print(input.grad)

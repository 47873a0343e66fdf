# source: PyTorch docs "torch.nn.Module" (register_forward_hook, register_forward_pre_hook, register_full_backward_hook), https://pytorch.org/docs/stable/generated/torch.nn.Module.html
# note: a forward pre-hook that rescales the input, and a forward hook that replaces the output
torch.manual_seed(0)
lin = nn.Linear(3, 2)


def scale_input(module, args):
    (x,) = args
    return (x * 10,)


def add_one(module, args, output):
    return output + 1


h1 = lin.register_forward_pre_hook(scale_input)
h2 = lin.register_forward_hook(add_one)
x = torch.tensor([[1.0, 2.0, 3.0]])
y = lin(x)
h1.remove()
h2.remove()
y_plain = lin(x)
print(torch.allclose(y, lin(x * 10) + 1))

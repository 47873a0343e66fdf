# source: PyTorch docs "torch.nn.Module" (register_forward_hook, register_forward_pre_hook, register_full_backward_hook), https://pytorch.org/docs/stable/generated/torch.nn.Module.html
# note: register_full_backward_hook printing and clipping grad_input
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


def print_grad(module, grad_input, grad_output):
    print(type(module).__name__, [None if g is None else tuple(g.shape) for g in grad_input],
          [tuple(g.shape) for g in grad_output])


def clip(module, grad_input, grad_output):
    return tuple(None if g is None else g.clamp(-0.01, 0.01) for g in grad_input)


model[0].register_full_backward_hook(print_grad)
model[1].register_full_backward_hook(clip)
x = torch.randn(2, 3, requires_grad=True)
loss = model(x).sum()
loss.backward()

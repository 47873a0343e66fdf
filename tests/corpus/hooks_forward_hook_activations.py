# source: PyTorch docs "torch.nn.Module" (register_forward_hook, register_forward_pre_hook, register_full_backward_hook), https://pytorch.org/docs/stable/generated/torch.nn.Module.html
# note: the common "capture intermediate activations" pattern with a forward hook; seeded
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
activation = {}


def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook


h = model[1].register_forward_hook(get_activation('relu'))
x = torch.randn(3, 4)
output = model(x)
relu_out = activation['relu']
print(relu_out.shape, (relu_out >= 0).all().item())
h.remove()

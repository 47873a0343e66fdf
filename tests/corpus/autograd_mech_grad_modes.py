# source: PyTorch docs "Autograd mechanics", https://pytorch.org/docs/stable/notes/autograd.html
# note: "Grad Modes": default, no-grad, inference mode, and set_grad_enabled
x = torch.ones(2, requires_grad=True)
with torch.no_grad():
    y = x * 2
print(y.requires_grad)

with torch.inference_mode():
    z = x * 2
print(z.requires_grad, z.is_inference())

is_train = False
with torch.set_grad_enabled(is_train):
    w = x * 2
print(w.requires_grad)

torch.set_grad_enabled(True)
v = x * 2
print(v.requires_grad)

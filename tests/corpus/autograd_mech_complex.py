# source: PyTorch docs "Autograd mechanics", https://pytorch.org/docs/stable/notes/autograd.html
# note: "Autograd for Complex Numbers": the conjugate Wirtinger gradient of |z|^2
z = torch.tensor([1 + 2j, 3 - 1j], requires_grad=True)
loss = (z * z.conj()).real.sum()
loss.backward()
print(z.grad)
grad_real = z.grad.real
grad_imag = z.grad.imag

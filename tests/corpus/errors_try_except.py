# source: PyTorch docs "Autograd mechanics" (In-place correctness checks) with the error caught, https://pytorch.org/docs/stable/notes/autograd.html#in-place-correctness-checks
# note: try/except RuntimeError around the failing backward, printing PyTorch's message; finally
x = torch.tensor([0.5, 1.0], requires_grad=True)
y = x.exp()
y.add_(1)
try:
    y.sum().backward()
except RuntimeError as e:
    print("caught:", str(e).split('.')[0])
finally:
    print("done")
z = torch.tensor([0.5, 1.0], requires_grad=True)
w = z.exp()
w.sum().backward()
try:
    w.sum().backward()
except RuntimeError as err:
    print(type(err).__name__, "Trying to backward through the graph a second time" in str(err))
try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except (RuntimeError, ValueError) as err:
    print(err)

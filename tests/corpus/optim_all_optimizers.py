# source: PyTorch docs "torch.optim" (Algorithms), https://pytorch.org/docs/stable/optim.html#algorithms
# note: each algorithm for 5 steps on the same seeded least-squares problem
torch.manual_seed(0)
A = torch.randn(6, 3)
b = torch.randn(6)
makers = {
    'SGD': lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    'Adam': lambda p: torch.optim.Adam(p, lr=0.05, amsgrad=True),
    'AdamW': lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1),
    'Adagrad': lambda p: torch.optim.Adagrad(p, lr=0.1),
    'Adadelta': lambda p: torch.optim.Adadelta(p, lr=1.0),
    'RMSprop': lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True),
    'Adamax': lambda p: torch.optim.Adamax(p, lr=0.05),
    'NAdam': lambda p: torch.optim.NAdam(p, lr=0.05),
    'RAdam': lambda p: torch.optim.RAdam(p, lr=0.05),
    'Rprop': lambda p: torch.optim.Rprop(p, lr=0.01),
    'ASGD': lambda p: torch.optim.ASGD(p, lr=0.05),
}
finals = {}
for name, make in makers.items():
    x = torch.zeros(3, requires_grad=True)
    opt = make([x])
    for _ in range(5):
        opt.zero_grad()
        loss = ((A @ x - b) ** 2).mean()
        loss.backward()
        opt.step()
    finals[name] = x.detach().clone()
    print(f"{name:8s} {loss.item():.6f}")
sgd_x = finals['SGD']
adam_x = finals['Adam']

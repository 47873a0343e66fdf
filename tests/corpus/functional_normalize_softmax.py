# source: PyTorch docs "torch.nn.functional.normalize", https://pytorch.org/docs/stable/generated/torch.nn.functional.normalize.html
# note: F.normalize, softmax/log_softmax/softmin, gumbel_softmax (random) on fixed and random input
# compare: structure
x = torch.tensor([[3.0, 4.0], [1.0, 0.0]], requires_grad=True)
unit = F.normalize(x, p=2.0, dim=1)
sm = F.softmax(x, dim=0)
lsm = F.log_softmax(x, dim=-1)
smin = F.softmin(x, dim=1)
(unit.sum() + sm[0, 0] + lsm.sum() + smin[1, 1]).backward()
logits = torch.randn(20, 32)
# Sample soft categorical using reparametrization trick:
soft = F.gumbel_softmax(logits, tau=1, hard=False)
# Sample hard categorical using "Straight-through" trick:
hard = F.gumbel_softmax(logits, tau=1, hard=True)
print(hard.sum(dim=-1).eq(1).all())

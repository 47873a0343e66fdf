# source: PyTorch docs "torch.nn.functional.binary_cross_entropy", https://pytorch.org/docs/stable/generated/torch.nn.functional.binary_cross_entropy.html
# note: F.binary_cross_entropy, bce_with_logits, mse_loss, l1_loss, smooth_l1_loss, huber_loss, cosine_embedding_loss, hinge_embedding_loss, soft_margin_loss on fixed inputs
p = torch.tensor([0.9, 0.2, 0.6], requires_grad=True)
t = torch.tensor([1.0, 0.0, 1.0])
bce = F.binary_cross_entropy(p, t)
logit = torch.tensor([2.0, -1.0, 0.5], requires_grad=True)
bcel = F.binary_cross_entropy_with_logits(logit, t, pos_weight=torch.tensor([2.0, 1.0, 1.0]))
mse = F.mse_loss(logit, t)
l1 = F.l1_loss(logit, t, reduction='sum')
sl1 = F.smooth_l1_loss(logit, t, beta=0.5)
hub = F.huber_loss(logit, t, delta=0.5)
a = torch.tensor([[1.0, 2.0], [0.5, -1.0]], requires_grad=True)
b = torch.tensor([[2.0, 1.0], [1.0, 1.0]])
cos = F.cosine_embedding_loss(a, b, torch.tensor([1, -1]))
hinge = F.hinge_embedding_loss(logit, torch.tensor([1.0, -1.0, 1.0]))
soft = F.soft_margin_loss(logit, torch.tensor([1.0, -1.0, 1.0]))
total = bce + bcel + mse + l1 + sl1 + hub + cos + hinge + soft
total.backward()
print(total)

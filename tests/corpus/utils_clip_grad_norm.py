# source: PyTorch docs "torch.nn.utils.clip_grad_norm_", https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_norm_.html
# note: clipping the total norm after backward on a seeded model, also clip_grad_value_ and
# the inf-norm
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 2))
x = torch.randn(8, 5) * 10
loss = model(x).pow(2).sum()
loss.backward()
total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
print(total_norm)
after = torch.norm(torch.stack([p.grad.norm(2) for p in model.parameters()]), 2)
print(after)
inf_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5, norm_type=float('inf'))
nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
print(max(p.grad.abs().max().item() for p in model.parameters()))

# source: PyTorch docs "torch.nn.BCEWithLogitsLoss", https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html
# note: docstring examples of BCELoss and BCEWithLogitsLoss (pos_weight)
# compare: structure
m = nn.Sigmoid()
loss = nn.BCELoss()
input = torch.randn(3, 2, requires_grad=True)
target = torch.rand(3, 2, requires_grad=False)
output = loss(m(input), target)
output.backward()

target = torch.ones([10, 64], dtype=torch.float32)  # 64 classes, batch size = 10
logits = torch.full([10, 64], 1.5)  # A prediction (logit)
pos_weight = torch.ones([64])  # All weights are equal to 1
criterion = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
weighted = criterion(logits, target)  # -log(sigmoid(1.5))
print(weighted)

loss = nn.BCEWithLogitsLoss()
input3 = torch.randn(3, requires_grad=True)
target3 = torch.empty(3).random_(2)
output3 = loss(input3, target3)
output3.backward()

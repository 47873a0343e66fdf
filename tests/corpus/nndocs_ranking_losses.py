# source: PyTorch docs "torch.nn.TripletMarginLoss", https://pytorch.org/docs/stable/generated/torch.nn.TripletMarginLoss.html
# note: docstring examples of MarginRankingLoss, TripletMarginLoss, PoissonNLLLoss and GaussianNLLLoss
# compare: structure
loss = nn.MarginRankingLoss()
input1 = torch.randn(3, requires_grad=True)
input2 = torch.randn(3, requires_grad=True)
target = torch.randn(3).sign()
output = loss(input1, input2, target)
output.backward()

triplet_loss = nn.TripletMarginLoss(margin=1.0, p=2, eps=1e-7)
anchor = torch.randn(100, 128, requires_grad=True)
positive = torch.randn(100, 128, requires_grad=True)
negative = torch.randn(100, 128, requires_grad=True)
output_triplet = triplet_loss(anchor, positive, negative)
output_triplet.backward()

loss = nn.PoissonNLLLoss()
log_input = torch.randn(5, 2, requires_grad=True)
target_p = torch.randn(5, 2)
output_poisson = loss(log_input, target_p)
output_poisson.backward()

loss = nn.GaussianNLLLoss()
input = torch.randn(5, 2, requires_grad=True)
target_g = torch.randn(5, 2)
var = torch.ones(5, 2, requires_grad=True)  # heteroscedastic
output_gauss = loss(input, target_g, var)
output_gauss.backward()

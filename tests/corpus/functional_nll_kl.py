# source: PyTorch docs "torch.nn.functional.nll_loss", https://pytorch.org/docs/stable/generated/torch.nn.functional.nll_loss.html
# note: docstring examples of F.nll_loss and F.kl_div-style use
# compare: structure
# input is of size N x C = 3 x 5
input = torch.randn(3, 5, requires_grad=True)
# each element in target has to have 0 <= value < C
target = torch.tensor([1, 0, 4])
output = F.nll_loss(F.log_softmax(input, dim=1), target)
output.backward()
kl = F.kl_div(F.log_softmax(input, dim=1), F.softmax(torch.rand(3, 5), dim=1), reduction='batchmean')

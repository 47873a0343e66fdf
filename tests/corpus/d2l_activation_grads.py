# source: d2l.ai "5.1 Multilayer Perceptrons" (activation functions and their derivatives), https://d2l.ai/chapter_multilayer-perceptrons/mlp.html
# note: ReLU, sigmoid and tanh with their gradients via backward(torch.ones_like(x), retain_graph
# =True), without the plots
x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = torch.relu(x)
y.backward(torch.ones_like(x), retain_graph=True)
relu_grad = x.grad.clone()

y = torch.sigmoid(x)
# Clear out previous gradients
x.grad.data.zero_()
y.backward(torch.ones_like(x), retain_graph=True)
sigmoid_grad = x.grad.clone()

y = torch.tanh(x)
# Clear out previous gradients
x.grad.data.zero_()
y.backward(torch.ones_like(x), retain_graph=True)
tanh_grad = x.grad.clone()

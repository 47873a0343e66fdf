# source: PyTorch tutorial "Build the Neural Network" (Learn the Basics), https://pytorch.org/tutorials/beginner/basics/buildmodel_tutorial.html
# note: "Model Layers": Flatten, Linear, ReLU, Sequential, Softmax, named_parameters
# compare: structure
input_image = torch.rand(3,28,28)
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())

layer1 = nn.Linear(in_features=28*28, out_features=20)
hidden1 = layer1(flat_image)
print(hidden1.size())

hidden1 = nn.ReLU()(hidden1)

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10)
)
input_image = torch.rand(3,28,28)
logits = seq_modules(input_image)

softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)

for name, param in seq_modules.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2].shape} \n")

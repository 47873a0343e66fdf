# source: Stevens, Antiga, Viehmann, "Deep Learning with PyTorch" (Manning), chapter 6 "Using a neural network to fit the data", code p1ch6/2_activation_functions / 3_nn_module.ipynb, https://github.com/deep-learning-with-pytorch/dlwpt-code/blob/master/p1ch6/1_neural_networks.ipynb
# note: nn.Sequential with an OrderedDict of named layers (hidden_linear, hidden_activation,
# output_linear), training_loop with MSELoss; 5000 epochs reduced to 200; seeded
import torch
import torch.nn as nn
import torch.optim as optim
from collections import OrderedDict

torch.manual_seed(0)
t_c = torch.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]).unsqueeze(1)
t_u = torch.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]).unsqueeze(1)
t_un = 0.1 * t_u

seq_model = nn.Sequential(OrderedDict([
    ('hidden_linear', nn.Linear(1, 8)),
    ('hidden_activation', nn.Tanh()),
    ('output_linear', nn.Linear(8, 1))
]))

print(seq_model)
for name, param in seq_model.named_parameters():
    print(name, param.shape)
print(seq_model.output_linear.bias)


def training_loop(n_epochs, optimizer, model, loss_fn, t_u_train, t_c_train):
    for epoch in range(1, n_epochs + 1):
        t_p_train = model(t_u_train)
        loss_train = loss_fn(t_p_train, t_c_train)

        optimizer.zero_grad()
        loss_train.backward()
        optimizer.step()

        if epoch == 1 or epoch % 50 == 0:
            print(f"Epoch {epoch}, Training loss {loss_train.item():.4f}")


optimizer = optim.SGD(seq_model.parameters(), lr=1e-3) # <1>

training_loop(
    n_epochs = 200,
    optimizer = optimizer,
    model = seq_model,
    loss_fn = nn.MSELoss(),
    t_u_train = t_un,
    t_c_train = t_c)

print('output', seq_model(t_un[:3]))
print('hidden', seq_model.hidden_linear.weight.grad[:2])

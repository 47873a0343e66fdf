# source: Stanford CS224N "PyTorch Tutorial" (Winter 2023), https://web.stanford.edu/class/cs224n/materials/CS224N_PyTorch_Tutorial.html
# note: tensor basics, autograd on x**2 * y, and the MultilayerPerceptron trained with
# BCELoss and Adagrad on the tutorial's tiny synthetic data; seeded
import torch
import torch.nn as nn

# Initializing a tensor
x = torch.tensor([[1, 2], [3, 4]], dtype=torch.float)
print(x.dtype)
y = torch.arange(1, 11).view(2, 5)
print(y)
z = torch.ones(3, 2, 2)
print(z.shape, z.size(), z.sum(0))

# Autograd
x = torch.tensor([2.], requires_grad=True)
pred = 3 * x ** 2
pred.backward()
print(x.grad)
x.grad.zero_()
pred = 3 * x ** 2
pred.backward()
print(x.grad)

torch.manual_seed(0)


class MultilayerPerceptron(nn.Module):

    def __init__(self, input_size, hidden_size):
        # Call to the __init__ function of the super class
        super(MultilayerPerceptron, self).__init__()

        # Bookkeeping: Saving the initialization parameters
        self.input_size = input_size
        self.hidden_size = hidden_size

        # Defining of our model
        # There isn't anything specific about the naming of `self.model`. It could
        # be something arbitrary.
        self.model = nn.Sequential(
            nn.Linear(self.input_size, self.hidden_size),
            nn.ReLU(),
            nn.Linear(self.hidden_size, self.input_size),
            nn.Sigmoid()
        )

    def forward(self, x):
        output = self.model(x)
        return output


# Create the y data
y = torch.ones(10, 5)

# Add some noise to our goal y to generate our x
# We want out model to predict our original data, albeit the noise
x = y + torch.randn_like(y)

# Instantiate the model
model = MultilayerPerceptron(5, 3)

# Define the optimizer
adam = torch.optim.Adam(model.parameters(), lr=1e-1)

# Define loss using a predefined loss function
loss_function = nn.BCELoss()

# Calculate how our model is doing now
y_pred = model(x)
print(loss_function(y_pred, y).item())

# Set the number of epoch, which determines the number of training iterations
n_epoch = 10

for epoch in range(n_epoch):
    # Set the gradients to 0
    adam.zero_grad()

    # Get the model predictions
    y_pred = model(x)

    # Get the loss
    loss = loss_function(y_pred, y)

    # Print stats
    print(f"Epoch {epoch}: traing loss: {loss}")

    # Compute the gradients
    loss.backward()

    # Take a step to optimize the weights
    adam.step()

print(list(model.parameters())[0])

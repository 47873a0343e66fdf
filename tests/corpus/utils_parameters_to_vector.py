# source: PyTorch docs "torch.nn.utils.parameters_to_vector" and "vector_to_parameters", https://pytorch.org/docs/stable/generated/torch.nn.utils.parameters_to_vector.html
# note: flatten a seeded model's parameters, change the vector, write it back
from torch.nn.utils import parameters_to_vector, vector_to_parameters

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
vec = parameters_to_vector(model.parameters())
print(vec.shape, vec.requires_grad, vec.grad_fn is not None)
new_vec = torch.arange(vec.numel(), dtype=torch.float32) / 10
vector_to_parameters(new_vec, model.parameters())
print(model[0].weight)
out = model(torch.ones(2, 3))

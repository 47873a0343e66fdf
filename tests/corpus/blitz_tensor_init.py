# source: PyTorch tutorial "Deep Learning with PyTorch: A 60 Minute Blitz" - Tensors, https://pytorch.org/tutorials/beginner/blitz/tensor_tutorial.html
# note: "Initializing a Tensor"; no imports (the notebook's first cell imported torch and numpy)
# compare: structure
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)

x_ones = torch.ones_like(x_data) # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float) # overrides the datatype of x_data

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

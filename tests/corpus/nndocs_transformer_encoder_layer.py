# source: PyTorch docs "torch.nn.TransformerEncoderLayer", https://pytorch.org/docs/stable/generated/torch.nn.TransformerEncoderLayer.html
# note: the docstring example with d_model=32, nhead=4 instead of 512, 8
# compare: structure
encoder_layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64)
src = torch.rand(10, 4, 32)
out = encoder_layer(src)
out.sum().backward()
encoder_layer_bf = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True)
src_bf = torch.rand(4, 10, 32)
out_bf = encoder_layer_bf(src_bf)

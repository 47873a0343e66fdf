# source: PyTorch docs "torch.nn.utils.rnn.pack_padded_sequence" / "pad_sequence", https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pad_sequence.html
# note: pad_sequence of three sequences, pack_padded_sequence into a GRU, pad_packed_sequence back
from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)
a = torch.ones(25, 300)
b = torch.ones(22, 300)
c = torch.ones(15, 300)
padded = pad_sequence([a, b, c])
print(padded.size())

seq = torch.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
lens = [2, 1, 3]
packed = pack_padded_sequence(seq, lens, batch_first=True, enforce_sorted=False)
print(packed)
seq_unpacked, lens_unpacked = pad_packed_sequence(packed, batch_first=True)
print(seq_unpacked, lens_unpacked)

gru = nn.GRU(4, 3, batch_first=True)
x = torch.randn(3, 3, 4)
out, h = gru(pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False))
out_padded, out_lens = pad_packed_sequence(out, batch_first=True)
out_padded.sum().backward()

# source: d2l.ai "9.6 Concise Implementation of Recurrent Neural Networks" (d2l 0.17 "8.6"), https://d2l.ai/chapter_recurrent-neural-networks/rnn-concise.html
# note: nn.RNN(len(vocab), num_hiddens), RNNModel with one-hot inputs and a Linear head; vocab of
# 12 instead of 28, a random batch instead of The Time Machine; seeded
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)
vocab_size = 12
num_hiddens = 16
rnn_layer = nn.RNN(vocab_size, num_hiddens)

state = torch.zeros((1, 3, num_hiddens))
print(state.shape)

X = torch.rand(size=(5, 3, vocab_size))
Y, state_new = rnn_layer(X, state)
print(Y.shape, state_new.shape)


class RNNModel(nn.Module):
    """The RNN model."""
    def __init__(self, rnn_layer, vocab_size, **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        # If the RNN is bidirectional (to be introduced later),
        # `num_directions` should be 2, else it should be 1.
        if not self.rnn.bidirectional:
            self.num_directions = 1
            self.linear = nn.Linear(self.num_hiddens, self.vocab_size)
        else:
            self.num_directions = 2
            self.linear = nn.Linear(self.num_hiddens * 2, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size)
        X = X.to(torch.float32)
        Y, state = self.rnn(X, state)
        # The fully connected layer will first change the shape of `Y` to
        # (`num_steps` * `batch_size`, `num_hiddens`). Its output shape is
        # (`num_steps` * `batch_size`, `vocab_size`).
        output = self.linear(Y.reshape((-1, Y.shape[-1])))
        return output, state

    def begin_state(self, device, batch_size=1):
        if not isinstance(self.rnn, nn.LSTM):
            # `nn.GRU` takes a tensor as hidden state
            return torch.zeros((self.num_directions * self.rnn.num_layers,
                                batch_size, self.num_hiddens),
                               device=device)
        else:
            # `nn.LSTM` takes a tuple of hidden states
            return (torch.zeros((
                self.num_directions * self.rnn.num_layers,
                batch_size, self.num_hiddens), device=device),
                    torch.zeros((
                        self.num_directions * self.rnn.num_layers,
                        batch_size, self.num_hiddens), device=device))


device = torch.device('cpu')
net = RNNModel(rnn_layer, vocab_size=vocab_size)
inputs = torch.randint(0, vocab_size, (2, 5))
targets = torch.randint(0, vocab_size, (2, 5))
state = net.begin_state(device, batch_size=2)
output, state = net(inputs, state)
loss = nn.CrossEntropyLoss()(output, targets.T.reshape(-1))
loss.backward()
nn.utils.clip_grad_norm_(net.parameters(), 1)
print(loss.item())

# source: d2l.ai "9.2 Converting Raw Text into Sequence Data" (Vocab, tokenize), https://d2l.ai/chapter_recurrent-neural-networks/text-sequence.html
# note: preprocess with re, tokenize to characters and words, the Vocab class (collections.Counter,
# sorted with a key lambda, __len__, __getitem__ on lists, to_tokens, the unk property), then
# an nn.Embedding lookup of the indices; the opening of The Time Machine inline instead of the
# download
import collections
import re
import torch
from torch import nn

raw_text = """The Time Machine, by H. G. Wells [1898]
The Time Traveller (for so it will be convenient to speak of him)
was expounding a recondite matter to us. His grey eyes shone and
twinkled, and his usually pale face was flushed and animated."""


def _preprocess(text):
    return re.sub('[^A-Za-z]+', ' ', text).lower()


text = _preprocess(raw_text)
print(text[:60])


def _tokenize(text):
    return list(text)


tokens = _tokenize(text)
print(','.join(tokens[:30]))


class Vocab:  #@save
    """Vocabulary for text."""
    def __init__(self, tokens=[], min_freq=0, reserved_tokens=[]):
        # Flatten a 2D list if needed
        if tokens and isinstance(tokens[0], list):
            tokens = [token for line in tokens for token in line]
        # Count token frequencies
        counter = collections.Counter(tokens)
        self.token_freqs = sorted(counter.items(), key=lambda x: x[1],
                                  reverse=True)
        # The list of unique tokens
        self.idx_to_token = list(sorted(set(['<unk>'] + reserved_tokens + [
            token for token, freq in self.token_freqs if freq >= min_freq])))
        self.token_to_idx = {token: idx
                             for idx, token in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self.__getitem__(token) for token in tokens]

    def to_tokens(self, indices):
        if hasattr(indices, '__len__') and len(indices) > 1:
            return [self.idx_to_token[int(index)] for index in indices]
        return self.idx_to_token[indices]

    @property
    def unk(self):  # Index for the unknown token
        return self.token_to_idx['<unk>']


vocab = Vocab(tokens)
indices = vocab[tokens[:10]]
print('indices:', indices)
print('words:', vocab.to_tokens(indices))
words = text.split()
word_vocab = Vocab(words)
print(word_vocab.token_freqs[:5])
print(len(vocab), len(word_vocab), word_vocab['zebra'])

torch.manual_seed(0)
embedding = nn.Embedding(len(vocab), 4)
corpus = torch.tensor([vocab[token] for token in tokens])
embedded = embedding(corpus[:12])
embedded.sum().backward()

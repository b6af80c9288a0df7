"""Whole models exported to ONNX and run in ONNX Runtime on two batch sizes and lengths."""
import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F


def test_mlp(roundtrip):
    model = nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Dropout(0.5), nn.Linear(16, 16),
                          nn.Tanh(), nn.Linear(16, 4), nn.Softmax(dim=-1))
    sets = [(cr.randn(3, 6),), (cr.randn(7, 6),)]
    roundtrip(model, sets[0], sets, ["x"], ["probs"], {"x": {0: "batch"}, "probs": {0: "batch"}})


def digits_cnn(width=8):
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1, bias=False), nn.BatchNorm2d(2 * width),
        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * width * 4, 10))


def test_digits_cnn(roundtrip):
    model = digits_cnn()
    for m in model.modules():         # non-trivial running statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(cr.randn(m.num_features) * 0.1)
            m.running_var.copy_(cr.rand(m.num_features) + 0.5)
    sets = [(cr.randn(2, 1, 8, 8),), (cr.randn(5, 1, 8, 8),)]
    roundtrip(model, sets[0], sets, ["image"], ["logits"],
              {"image": {0: "batch"}, "logits": {0: "batch"}})


class BiLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(14, 3)

    def forward(self, x, h0, c0):
        y, (h, c) = self.lstm(x, (h0, c0))
        return self.head(y), h, c


def test_bidirectional_two_layer_lstm_with_initial_states(roundtrip):
    model = BiLSTM()
    sets = [(cr.randn(2, 6, 5), cr.randn(4, 2, 7), cr.randn(4, 2, 7)),
            (cr.randn(3, 9, 5), cr.randn(4, 3, 7), cr.randn(4, 3, 7))]
    dyn = {"x": {0: "batch", 1: "time"}, "h0": {1: "batch"}, "c0": {1: "batch"},
           "y": {0: "batch", 1: "time"}, "h": {1: "batch"}, "c": {1: "batch"}}
    roundtrip(model, sets[0], sets, ["x", "h0", "c0"], ["y", "h", "c"], dyn)


class GRULM(nn.Module):
    def __init__(self, vocab=11):
        super().__init__()
        self.emb = nn.Embedding(vocab, 6)
        self.gru = nn.GRU(6, 8, num_layers=2)
        self.out = nn.Linear(8, vocab)

    def forward(self, idx, h0):
        y, h = self.gru(self.emb(idx), h0)
        return F.log_softmax(self.out(y), dim=-1), h


def test_gru_language_model_with_initial_state(roundtrip):
    model = GRULM()
    sets = [(cr.randint(0, 11, (5, 2)), cr.randn(2, 2, 8)),
            (cr.randint(0, 11, (8, 3)), cr.randn(2, 3, 8))]
    dyn = {"idx": {0: "time", 1: "batch"}, "h0": {1: "batch"},
           "logp": {0: "time", 1: "batch"}, "h": {1: "batch"}}
    roundtrip(model, sets[0], sets, ["idx", "h0"], ["logp", "h"], dyn)


def test_rnn_relu_single_direction(roundtrip):
    model = nn.RNN(4, 5, nonlinearity="relu")
    sets = [(cr.randn(3, 2, 4),), (cr.randn(6, 4, 4),)]
    dyn = {"x": {0: "time", 1: "batch"}, "y": {0: "time", 1: "batch"}, "h": {1: "batch"}}
    roundtrip(model, sets[0], sets, ["x"], ["y", "h"], dyn)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(16, 2)

    def forward(self, x, pad):
        return self.head(self.encoder(x, src_key_padding_mask=pad))


def test_transformer_encoder_with_padding_mask(roundtrip):
    model = Encoder()

    def inputs(b, t):
        pad = cr.zeros(b, t, dtype=cr.bool)
        pad[0, t - 2:] = True                 # the first sequence is 2 shorter
        return cr.randn(b, t, 16), pad
    sets = [inputs(2, 5), inputs(3, 8)]
    dyn = {"x": {0: "batch", 1: "time"}, "pad": {0: "batch", 1: "time"},
           "y": {0: "batch", 1: "time"}}
    roundtrip(model, sets[0], sets, ["x", "pad"], ["y"], dyn)


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * width, width))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab=13, width=16, heads=2, layers=2, block=16):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Embedding(block, width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab, bias=False)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok(idx) + self.pos(cr.arange(T))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def test_small_gpt(roundtrip):
    model = GPT()
    sets = [(cr.randint(0, 13, (2, 5)),), (cr.randint(0, 13, (3, 11)),)]
    dyn = {"idx": {0: "batch", 1: "time"}, "logits": {0: "batch", 1: "time"}}
    roundtrip(model, sets[0], sets, ["idx"], ["logits"], dyn)


def test_gpt_on_transformer_encoder_layers_with_causal_mask(roundtrip):
    class TorchStyleGPT(nn.Module):     # as examples/char_lm.py: nn.TransformerEncoder blocks
        def __init__(self):
            super().__init__()
            self.tok, self.pos = nn.Embedding(13, 16), nn.Embedding(16, 16)
            layer = nn.TransformerEncoderLayer(16, 2, 32, 0.0, batch_first=True,
                                               norm_first=True,
                                               activation=nn.GELU(approximate="tanh"))
            self.blocks = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16))
            self.head = nn.Linear(16, 13)

        def forward(self, idx):
            T = idx.shape[1]
            mask = nn.Transformer.generate_square_subsequent_mask(T)
            x = self.tok(idx) + self.pos(cr.arange(T))
            return self.head(self.blocks(x, mask=mask, is_causal=True))
    sets = [(cr.randint(0, 13, (2, 5)),), (cr.randint(0, 13, (3, 9)),)]
    dyn = {"idx": {0: "batch", 1: "time"}, "logits": {0: "batch", 1: "time"}}
    roundtrip(TorchStyleGPT(), sets[0], sets, ["idx"], ["logits"], dyn)


def test_lstm_with_lengths_becomes_sequence_lens(roundtrip):
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4, batch_first=True, bidirectional=True)

        def forward(self, x, lengths):
            y, (h, c) = self.lstm(x, lengths=lengths)
            return y, h

    sets = [(cr.randn(2, 5, 3), cr.tensor([5, 3])), (cr.randn(3, 7, 3), cr.tensor([2, 7, 4]))]
    dyn = {"x": {0: "batch", 1: "time"}, "lengths": {0: "batch"},
           "y": {0: "batch", 1: "time"}, "h": {1: "batch"}}
    roundtrip(Tagger(), sets[0], sets, ["x", "lengths"], ["y", "h"], dyn)


def test_cells_unrolled_over_a_python_loop(roundtrip):
    class Decoder(nn.Module):       # cells step by step: the loop unrolls at the example length
        def __init__(self):
            super().__init__()
            self.lstm, self.gru = nn.LSTMCell(3, 4), nn.GRUCell(4, 5)
            self.rnn = nn.RNNCell(5, 2, nonlinearity="relu")

        def forward(self, x, h, c):
            outs = []
            for t in range(3):
                h, c = self.lstm(x[:, t], (h, c))
                outs.append(self.rnn(self.gru(h)))
            return cr.stack(outs, 1)

    sets = [(cr.randn(2, 3, 3), cr.randn(2, 4), cr.randn(2, 4)),
            (cr.randn(5, 3, 3), cr.randn(5, 4), cr.randn(5, 4))]
    dyn = {"x": {0: "batch"}, "h": {0: "batch"}, "c": {0: "batch"}, "y": {0: "batch"}}
    roundtrip(Decoder(), sets[0], sets, ["x", "h", "c"], ["y"], dyn)


def test_encoder_decoder_transformer_with_causal_target_mask(roundtrip):
    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.core = nn.Transformer(16, 2, num_encoder_layers=1, num_decoder_layers=2,
                                       dim_feedforward=24, dropout=0.1)    # sequence-first

        def forward(self, src, tgt, src_pad):
            mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[0])
            return self.core(src, tgt, tgt_mask=mask,   # (a constant causal mask: rebuilt)
                             src_key_padding_mask=src_pad, memory_key_padding_mask=src_pad)

    def inputs(s, t, b):
        pad = cr.zeros(b, s, dtype=cr.bool)
        pad[-1, s - 1:] = True
        return cr.randn(s, b, 16), cr.randn(t, b, 16), pad
    sets = [inputs(4, 3, 2), inputs(6, 5, 3)]
    dyn = {"src": {0: "s", 1: "b"}, "tgt": {0: "t", 1: "b"}, "pad": {0: "b", 1: "s"},
           "out": {0: "t", 1: "b"}}
    roundtrip(Seq2Seq(), sets[0], sets, ["src", "tgt", "pad"], ["out"], dyn)

"""A slow stand-in for nn.RNN / nn.GRU / nn.LSTM with their agreed API, used by the tests of
npdeep.text while npdeep.nn has no recurrent layers: layer(X, state=None, lengths=None) ->
(Y, state), X (m, T_x, n_x), Y (m, T_x, n_a), state (num_layers, m, n_a) or a tuple (a, c)."""
import numpy as np

import npdeep
from npdeep import functional as F
from npdeep import nn


class StandInRNN(nn.Module):
    lstm = False

    def __init__(self, n_x, n_a, *, num_layers=1, keep_prob=1.0, **_):
        super().__init__()
        self.n_a, self.num_layers = n_a, num_layers
        gates = 4 if self.lstm else 1
        rng = np.random.default_rng(0)
        for l in range(num_layers):
            n_in = n_x if l == 0 else n_a
            setattr(self, f"Wx{l}", nn.Parameter(rng.standard_normal((gates * n_a, n_in))
                                                 * 0.3))
            setattr(self, f"Wa{l}", nn.Parameter(rng.standard_normal((gates * n_a, n_a))
                                                 * 0.3))
            setattr(self, f"b{l}", nn.Parameter(np.zeros(gates * n_a)))

    def forward(self, X, state=None, lengths=None):
        m, T, _ = X.shape
        n_a = self.n_a
        zeros = npdeep.Tensor(np.zeros((m, n_a), dtype=X.dtype))
        if state is None:
            a0 = [zeros] * self.num_layers
            c0 = [zeros] * self.num_layers
        elif self.lstm:
            a0 = [state[0][l] for l in range(self.num_layers)]
            c0 = [state[1][l] for l in range(self.num_layers)]
        else:
            a0 = [state[l] for l in range(self.num_layers)]
            c0 = a0
        inputs = [X[:, t] for t in range(T)]
        finals_a, finals_c = [], []
        for l in range(self.num_layers):
            Wx, Wa, b = (getattr(self, f"{k}{l}") for k in ("Wx", "Wa", "b"))
            a, c, outputs = a0[l], c0[l], []
            for t in range(T):
                z = F.linear(inputs[t], Wx, b) + F.linear(a, Wa)
                if self.lstm:
                    f, u, o = (F.sigmoid(z[:, k * n_a:(k + 1) * n_a]) for k in range(3))
                    c_new = u * F.tanh(z[:, 3 * n_a:]) + f * c
                    a_new = o * F.tanh(c_new)
                else:
                    a_new = F.tanh(z)
                    c_new = a_new
                if lengths is not None:
                    live = (t < np.asarray(lengths))[:, None]
                    a_new = F.where(live, a_new, a)
                    c_new = F.where(live, c_new, c)
                    outputs.append(F.where(live, a_new, zeros))
                else:
                    outputs.append(a_new)
                a, c = a_new, c_new
            inputs = outputs
            finals_a.append(a)
            finals_c.append(c)
        Y = F.stack(inputs, axis=1)
        if self.lstm:
            return Y, (F.stack(finals_a), F.stack(finals_c))
        return Y, F.stack(finals_a)


class StandInLSTM(StandInRNN):
    lstm = True


def install(monkeypatch):
    """Put the stand-ins into npdeep.nn where the real layers are missing."""
    for name, layer in (("RNN", StandInRNN), ("GRU", StandInRNN), ("LSTM", StandInLSTM)):
        if not hasattr(nn, name):
            monkeypatch.setattr(nn, name, layer, raising=False)

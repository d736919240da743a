"""cs231n style, as real solutions write it: a loss that shifts its input in place
(``logits -= max``), and ``*_forward_naive`` / ``*_backward_naive`` names.

Reproduces AnirudhM1/CS231n-2022-Solutions ``softmax_loss`` (``logits = x; logits -=
...``: the caller's array moves) and the ``conv_forward_naive`` / ``conv_backward_naive``
naming of the assignment; written anew, not copied.
"""

import numpy as np


def softmax_loss(x, y):
    logits = x
    logits -= np.max(logits, axis=1, keepdims=True)  # in place: the caller's x changes
    probs = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.sum(np.log(probs[np.arange(n), y])) / n
    dx = probs.copy()
    dx[np.arange(n), y] -= 1
    return loss, dx / n


def affine_forward_naive(x, w, b):
    out = np.zeros((x.shape[0], w.shape[1]))
    for i in range(x.shape[0]):
        for j in range(w.shape[1]):
            out[i, j] = np.dot(x[i], w[:, j]) + b[j]
    return out, (x, w)


def affine_backward_naive(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)

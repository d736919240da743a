"""cs231n style: inverted dropout whose backward forgets the ``1 / p`` scaling.

Forward scales the kept units by ``1 / p`` but caches the 0/1 mask; backward multiplies
by that mask alone, so ``dx`` is ``p`` times the gradient (``p`` keeps a unit).
Written in the image of the handout's ``dropout_forward`` / ``dropout_backward``
(kaiweihuang/CS231n, leehanchung/cs182 ``layers.py``).
"""

import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    if mode == "train":
        mask = np.random.rand(*x.shape) < p
        out = x * mask / p
    else:
        out = x
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask
    return dout

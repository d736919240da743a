"""cs231n style: ``affine_backward`` summing ``db`` over the wrong axis.

``np.sum(dout, axis=1)`` gives one value per sample, shape (N,), where ``b`` has shape
(M,). Written in the image of the handout's ``cs231n/layers.py`` (kaiweihuang/CS231n,
leehanchung/cs182) with the axis slip learners make.
"""

import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=1)
    return dx, dw, db

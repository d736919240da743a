"""cs231n style: ``affine_backward`` with ``dw`` transposed.

``dw = dout.T.dot(x)`` has shape (M, D), the transpose of ``w``'s (D, M). Square
weights hide it from a shape check and leave ``dw`` equal to the true gradient
transposed. Written in the image of the handout's ``cs231n/layers.py`` as solved in
kaiweihuang/CS231n and dreamerlin/nn_project1 ``naive_nn/nn/inference.py``.
"""

import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    x_rows = x.reshape(x.shape[0], -1)
    dx = dout.dot(w.T).reshape(x.shape)
    dw = dout.T.dot(x_rows)
    db = np.sum(dout, axis=0)
    return dx, dw, db

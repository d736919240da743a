"""cs231n style: batchnorm whose backward forgets the paths through the batch mean and variance.

The classic wrong first attempt at the assignment's ``batchnorm_backward``: the
normalisation is differentiated as if ``mean`` and ``var`` were constants, so
``dx = dout * gamma / sqrt(var + eps)``. ``dgamma`` and ``dbeta`` are right.
Written in the image of kaiweihuang/CS231n ``assignment2/cs231n/layers.py`` (the
handout's forward) and the staged backward of Kratzert's post that the right answer
follows (see ``cs231n_layers.py``).
"""

import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        x_norm = (x - mu) / np.sqrt(var + eps)
        out = gamma * x_norm + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        cache = (x, mu, var, x_norm, gamma, eps)
    elif mode == "test":
        x_norm = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_norm + beta
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    x, mu, var, x_norm, gamma, eps = cache
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_norm, axis=0)
    dx = dout * gamma / np.sqrt(var + eps)  # mu and var depend on x too: two paths lost
    return dx, dgamma, dbeta

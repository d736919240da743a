"""cs231n-style function pairs: ``*_forward(...) -> (out, cache)``, ``*_backward(dout, cache)``.

Style: Stanford CS231n's assignment ``cs231n/layers.py``. A forward function takes the
input and the parameters and returns ``(out, cache)``; its backward is found by name
(``affine_forward`` -> ``affine_backward``, ``sigmoid`` -> ``sigmoid_backward``) and
returns the gradients in the order of the forward's array arguments (``dx, dw, db``;
``dx, dgamma, dbeta``). Losses return ``(loss, dx)`` together. ``bn_param`` and
``dropout_param`` are dicts (``mode``, ``eps``, ``momentum``, ``p``, ``seed``); here
``p`` is the probability of *keeping* a unit, as in the 2017-and-later handouts
(earlier ones had ``p`` drop).

Real code read before writing this (none of it copied):

* kaiweihuang/CS231n ``assignment2/cs231n/layers.py`` (affine, relu, batchnorm with
  the staged backward and ``batchnorm_backward_alt``, inverted dropout),
  leehanchung/cs182 ``assignment1/deeplearning/layers.py`` (same handout, Berkeley),
  iznauy/conv_neuron_network ``loss_functions.py`` (``svm_loss``, ``softmax_loss``),
  dreamerlin/nn_project1 ``naive_nn/nn/inference.py``, and Kratzert's staged batchnorm
  backward as copied in q8977452/Leetcode ``Neurolike/batchnorm_backward.py``.

The buggy versions are one per module (a module holds one ``affine_backward``):
``cs231n_buggy_*.py`` beside this file.
"""

import numpy as np


def affine_forward(x, w, b):
    N = x.shape[0]
    out = x.reshape(N, -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = np.array(dout, copy=True)
    dx[x <= 0] = 0
    return dx


def sigmoid(x):
    """The logistic function, stable for large |x|, with a cache like the others."""
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    z = np.exp(x[~pos])
    out[~pos] = z / (1 + z)
    cache = out
    return out, cache


def sigmoid_backward(dout, cache):
    out = cache
    dx = dout * out * (1 - out)
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_hat + beta
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
        cache = (x, sample_mean, sample_var, x_hat, gamma, eps)
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """The staged backward: every node of the forward graph, the mean's two paths summed."""
    x, mean, var, x_hat, gamma, eps = cache
    N, D = x.shape

    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma

    xmu = x - mean
    inv_std = 1.0 / np.sqrt(var + eps)
    dxmu1 = dx_hat * inv_std
    dinv_std = np.sum(dx_hat * xmu, axis=0)
    dstd = -dinv_std / (var + eps)
    dvar = 0.5 * inv_std * dstd
    dsq = np.ones((N, D)) / N * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmean = -np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = np.ones((N, D)) / N * dmean
    dx = dx1 + dx2
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * mask
    else:
        dx = dout
    return dx


def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx


def softmax_loss(x, y):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx

"""cs231n style: ``softmax_loss`` whose loss is averaged over N but whose ``dx`` is not.

Written in the image of the handout's ``softmax_loss`` (iznauy/conv_neuron_network
``loss_functions.py``, hurricanelx/LxNet ``LxNet/Layers/Softmax.py``) with the final
``dx /= N`` left out.
"""

import numpy as np


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    N = x.shape[0]
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    return loss, dx

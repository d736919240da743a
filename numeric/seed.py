"""The seed README's names, so its Quick Start runs with only its imports changed.

>>> from numeric.seed import DenseLayer, Activation_ReLU, Optimizer_SGD
"""

from numeric.layers import Dense as DenseLayer
from numeric.layers import ReLU as Activation_ReLU
from numeric.layers import Sigmoid as Activation_Sigmoid
from numeric.layers import Softmax as Activation_Softmax
from numeric.losses import BinaryCrossEntropy as Loss_BinaryCrossentropy
from numeric.losses import CategoricalCrossEntropy as Loss_CategoricalCrossentropy
from numeric.model import Model
from numeric.optimizers import SGD as Optimizer_SGD

__all__ = [
    "Activation_ReLU",
    "Activation_Sigmoid",
    "Activation_Softmax",
    "DenseLayer",
    "Loss_BinaryCrossentropy",
    "Loss_CategoricalCrossentropy",
    "Model",
    "Optimizer_SGD",
]

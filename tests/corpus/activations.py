"""ReLU, sigmoid and softmax in the nnfs style: correct, and with the usual mistakes."""

import numpy as np


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Activation_ReLU_InvertedMask(Activation_ReLU):
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs > 0] = 0


class Activation_Sigmoid:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


class Activation_Sigmoid_FromInputs(Activation_Sigmoid):
    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.inputs) * self.inputs


class Activation_Sigmoid_NoOneMinus(Activation_Sigmoid):
    def backward(self, dvalues):
        self.dinputs = dvalues * self.output


class Activation_Sigmoid_WrongSign(Activation_Sigmoid):
    def backward(self, dvalues):
        self.dinputs = dvalues * (self.output - 1) * self.output


class Activation_Softmax:
    def forward(self, inputs):
        self.inputs = inputs
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)

    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(
            zip(self.output, dvalues, strict=True)
        ):
            single_output = single_output.reshape(-1, 1)
            jacobian = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian, single_dvalues)


class Activation_Softmax_RowJacobian(Activation_Softmax):
    def backward(self, dvalues):
        self.dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(
            zip(self.output, dvalues, strict=True)
        ):
            single_output = single_output.reshape(1, -1)  # a row: s s^T is a 1x1 number
            jacobian = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            self.dinputs[index] = np.dot(jacobian, single_dvalues)


class Activation_Softmax_NoOneMinus(Activation_Softmax):
    def backward(self, dvalues):
        # diagonal only, s_i instead of s_i (1 - s_i), and no off-diagonal terms
        self.dinputs = dvalues * self.output

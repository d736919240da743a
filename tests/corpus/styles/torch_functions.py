"""Custom ``torch.autograd.Function`` subclasses, correct and with real mistakes.

Style: the "Extending PyTorch" notes (``LinearFunction``: ``forward(ctx, input, weight,
bias=None)`` computing ``input.mm(weight.t()) + bias``, ``ctx.save_for_backward``, a
``backward(ctx, grad_output)`` returning one gradient per forward input) and the
``MyReLU`` / ``Exp`` examples of the tutorials and the ``Function`` docstring. The
gradient of the forward argument ``input`` is called ``dinput`` (d + the name).

Real code read before writing this (none of it copied): the "Extending PyTorch"
``LinearFunction`` as reproduced in Jxinmeng/nlp-xu ``pytorch/linear.py`` and
Dora-The-Kid/culture_network_0 ``liner_regression_2.py``; the ``Exp`` example in
huangrt01/CS-Notes ``Notes/snippets/pytorch-autograd.py``; ``MyReLU`` in
qpzm/pytorch-tutorials ``PyTorchExamples/MyReLU.py``; pangbochen/pytorch_cookbook
``chapter3_2_extend_autograd.py``, whose ``Sigmoid.backward`` unpacks one saved tensor
into two names and adds where it should multiply
(``output + (1 - output) * grad_output``); an anonymous ``Sigmaid`` Function whose
backward is ReLU's pasted in (a sigmoid output is never negative, so it passes the
gradient through unchanged).

This module needs torch; the tests import it only where torch is installed (and
``conftest.py`` beside it keeps pytest's doctest collection away from it otherwise).
"""

import torch


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        result = 1 / (1 + torch.exp(-input))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result * (1 - result)


class MyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class MyLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


# ----- buggy -----


class MyLinearWrongWeightGrad(torch.autograd.Function):
    """``grad_weight = input.t().mm(grad_output)``: (in, out), the transpose of weight's."""

    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_output.mm(weight)
        grad_weight = input.t().mm(grad_output)
        grad_bias = grad_output.sum(0) if bias is not None else None
        return grad_input, grad_weight, grad_bias


class MySigmoidWrong(torch.autograd.Function):
    """The ``(1 - s)`` factor is missing."""

    @staticmethod
    def forward(ctx, input):
        result = torch.sigmoid(input)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class MyTanhWrongSign(torch.autograd.Function):
    """``t**2 - 1`` for ``1 - t**2``."""

    @staticmethod
    def forward(ctx, input):
        result = torch.tanh(input)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * (result**2 - 1)


class MySigmoidPlusTypo(torch.autograd.Function):
    """``output + (1 - output) * grad_output``: a ``+`` typed for a ``*``."""

    @staticmethod
    def forward(ctx, x):
        output = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        (output,) = ctx.saved_tensors
        return output + (1 - output) * grad_output


class MySigmoidUnpackCrash(torch.autograd.Function):
    """``output, _ = ctx.saved_tensors`` with one tensor saved: backward raises ValueError."""

    @staticmethod
    def forward(ctx, x):
        output = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        output, _ = ctx.saved_tensors
        return grad_output * output * (1 - output)


class MySigmoidReluBackward(torch.autograd.Function):
    """A sigmoid forward under ReLU's backward: the mask never fires, dinput = grad_output."""

    @staticmethod
    def forward(ctx, input):
        output = 1 / (1 + torch.exp(-input))
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        (output,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[output < 0] = 0
        return grad_input

r"""The whole network's backward pass as one derivation: ``network(model)``.

A network is a chain of table entries, ``X -> dense -> relu -> ... -> softmax -> loss``.
Its backward pass is the chain rule applied link by link, last link first: each link
hands the gradient of the loss with respect to its output, ``G``, to its own
derivation, which gives the gradient with respect to its input (and its parameters).
Softmax followed by cross-entropy is one link, ``softmax_cross_entropy``, as
``numeric.Model.backward`` computes it: :math:`(S - T)/B`.

``network`` takes a ``numeric.Model`` (anything with ``architecture()``: this module
never imports ``numeric``), its architecture dict, or the op names in order. The
result prints as text, LaTeX and Markdown; ``verify()`` proves every link's
derivation and checks the composed chain against SymPy's derivative of the whole
network's loss, written out on small widths at random points.

>>> net = network(["dense", "relu", "dense", "relu", "dense", "softmax"], loss="cross_entropy")
>>> [link.op for link in net.links]
['dense', 'relu', 'dense', 'relu', 'dense', 'softmax_cross_entropy']
>>> print(network(["dense", "relu", "dense", "softmax"], "cross_entropy").picture())
X --dense_1--> Z1 --relu--> A1 --dense_2--> Z2 --softmax_cross_entropy--> L
dX <--dense_1-- dZ1 <--relu-- dA1 <--dense_2-- dZ2 <-- 1
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from symbolic.ops import Elementwise, Rowwise, op
from symbolic.reasons import Math, phrase

FUSED = {("softmax", "cross_entropy"): "softmax_cross_entropy"}


@dataclass(frozen=True)
class Link:
    """One table entry in the chain: ``output = op(input)``; ``number`` counts dense layers."""

    op: str
    kind: str  # "dense", "activation", "loss"
    input: str
    output: str
    number: int = 0
    width: tuple[int, int] | None = None  # (inputs, outputs) of a dense layer


def _names(model: Any, loss: str | None) -> tuple[list[tuple[str, tuple | None]], str | None]:
    """``[(op, (inputs, outputs) or None)]`` and the loss, from whatever was given."""
    if hasattr(model, "architecture"):
        model = model.architecture()
    if isinstance(model, dict):
        layers = []
        for layer in model["layers"]:
            if layer["kind"] == "dense":
                layers.append(("dense", (layer["inputs"], layer["outputs"])))
            elif "name" not in layer:  # dropout, batch_norm, layer_norm: the op is the kind
                layers.append((layer["kind"], None))
            else:
                params = layer.get("params") or {}
                shown = ", ".join(f"{k}={float(v):g}" for k, v in params.items())
                layers.append((f"{layer['name']}({shown})" if shown else layer["name"], None))
        return layers, loss or model.get("loss")
    return [(name, None) for name in model], loss


def network(model: Any, loss: str | None = None) -> Network:
    """The backward-pass derivation of ``model``'s layers and loss (see the module doc)."""
    layers, loss = _names(model, loss)
    if loss is None:
        raise ValueError("a network needs a loss: give loss= or a model whose loss is set")
    names = [name for name, _ in layers]
    fused = bool(names) and FUSED.get((names[-1], loss))
    if fused:
        layers, loss = layers[:-1], fused
    links, current, dense = [], "X", 0
    for name, width in layers:
        entry = op(name)
        if entry.name == "dense" or name == "dense":
            dense += 1
            output = f"Z{dense}"
            links.append(Link("dense", "dense", current, output, dense, width))
        elif isinstance(entry, Elementwise | Rowwise):
            output = "S" if isinstance(entry, Rowwise) else f"A{dense}"
            links.append(Link(name, "activation", current, output, dense))
        else:
            raise ValueError(
                f"{name!r} is a {type(entry).__name__} op, not a layer network() chains (dense "
                f"layers and activations); derive({name!r}) shows its own derivation"
            )
        current = output
    links.append(Link(loss, "loss", current, "L", dense))
    return Network(tuple(links))


def _tex_name(name: str) -> str:
    """``Z1`` as ``Z_{1}``, ``dX`` as ``dX``."""
    head, digits = name.rstrip("0123456789"), name[len(name.rstrip("0123456789")) :]
    return f"{head}_{{{digits}}}" if digits else head


def _op_tex(name: str) -> str:
    return rf"\operatorname{{{name.replace('_', chr(92) + '_')}}}"


@dataclass(frozen=True)
class Row:
    """A line of the derivation: ``lhs = rhs``, with its reason, in text and LaTeX."""

    lhs: str
    rhs: str
    reason: str
    lhs_tex: str
    rhs_tex: str
    reason_tex: str


def _row(lhs: str, rhs: str, reason: str | tuple, lhs_tex: str, rhs_tex: str) -> Row:
    """A row; ``reason`` is words, or the parts of ``symbolic.reasons.phrase``."""
    text, tex = phrase(*(reason if isinstance(reason, tuple) else (reason,)))
    return Row(lhs, rhs, text, lhs_tex, rhs_tex, tex)


DENSE_W = Math(
    "dL/dW = X^T G, dL/db = 1^T G",
    r"\frac{\partial L}{\partial W} = X^{\top} G,\ "
    r"\frac{\partial L}{\partial b} = \mathbf{1}^{\top} G",
)
DENSE_X = Math("dL/dX = G W^T", r"\frac{\partial L}{\partial X} = G W^{\top}")


@dataclass(frozen=True, eq=False)
class Network:
    """A network's forward pass and its backward pass by the chain rule, link by link."""

    links: tuple[Link, ...]

    @property
    def name(self) -> str:
        return " -> ".join(link.op for link in self.links)

    def forward_rows(self) -> list[Row]:
        rows = []
        for link in self.links:
            x, y, k = link.input, link.output, link.number
            xt, yt = _tex_name(x), _tex_name(y)
            if link.kind == "dense":
                sizes = f" ({link.width[0]} -> {link.width[1]})" if link.width else ""
                rows.append(
                    _row(
                        y,
                        f"{x} W{k} + 1 b{k}",
                        f"dense layer {k}{sizes}",
                        yt,
                        rf"{xt} W_{{{k}}} + \mathbf{{1}} b_{{{k}}}",
                    )
                )
            elif link.kind == "activation":
                rowwise = isinstance(op(link.op), Rowwise)
                how = "row by row" if rowwise else "entry by entry"
                rows.append(
                    _row(
                        y, f"{link.op}({x})", f"{link.op}, {how}", yt, rf"{_op_tex(link.op)}({xt})"
                    )
                )
            else:
                entry = op(link.op)
                if getattr(entry, "activation", None):  # softmax + cross-entropy, one link
                    rows.append(
                        _row(
                            "S",
                            f"{entry.activation}({x})",
                            "softmax, row by row",
                            "S",
                            rf"{_op_tex(entry.activation)}({xt})",
                        )
                    )
                    x, xt, name = "S", "S", entry.loss
                else:
                    name = link.op
                rows.append(
                    _row(
                        "L",
                        f"mean over the batch of {name}({x}, T)",
                        f"{name}: the loss, a mean over the B samples",
                        "L",
                        rf"\frac{{1}}{{B}} \sum_{{b}} {_op_tex(name)}"
                        rf"\left({xt}_{{b}}, T_{{b}}\right)",
                    )
                )
        return rows

    def backward_rows(self) -> list[Row]:
        """The chain rule, last link first: each link's derived local gradient applied to
        the gradient arriving at its output."""
        from symbolic.derivation import derive
        from symbolic.latex import to_latex, to_text

        rows, arriving = [], None  # the gradient of L with respect to the current output
        for link in reversed(self.links):
            x, k = link.input, link.number
            xt = _tex_name(x)
            grad = f"dL/d{x}"
            grad_tex = rf"\frac{{\partial L}}{{\partial {xt}}}"
            if link.kind == "loss":
                gradient = _batch_gradient(link)
                fused = getattr(op(link.op), "activation", None)
                why = (
                    f"{link.op}: softmax and cross-entropy differentiated as one, as "
                    "Model.backward does (S = softmax of the logits)"
                    if fused
                    else f"{link.op}: its derivation, for the batch mean"
                )
                rows.append(_row(grad, to_text(gradient), why, grad_tex, to_latex(gradient)))
            elif link.kind == "activation":
                entry = op(link.op)
                if isinstance(entry, Rowwise):
                    g, g_tex = arriving
                    rhs = f"S .* ({g} - RowSum({g} .* S))"
                    rhs_tex = (
                        rf"S \circ \left({g_tex} - \sum_{{\mathrm{{row}}}} {g_tex} \circ S\right)"
                    )
                    why = (
                        f"{link.op}: its vector-Jacobian product ",
                        Math(
                            "s .* (g - RowSum(g .* s))", r"s \circ (g - \textstyle\sum g \circ s)"
                        ),
                    )
                else:
                    result = derive(link.op).result
                    rhs = f"{arriving[0]} .* {link.op}'({x})"
                    rhs_tex = rf"{arriving[1]} \circ {_op_tex(link.op)}'({xt})"
                    why = (
                        f"{link.op}: chain rule entry by entry, ",
                        Math(f"{link.op}'(x) = ", f"{_op_tex(link.op)}'(x) = "),
                        result,
                    )
                rows.append(_row(grad, rhs, why, grad_tex, rhs_tex))
            else:
                g, g_tex = arriving
                rows.append(
                    _row(
                        f"dL/dW{k}, dL/db{k}",
                        f"{x}^T {g}, 1^T {g}",
                        (
                            f"dense layer {k}: ",
                            DENSE_W,
                            f" with X = {x}, G = {g}" if x != "X" else f" with G = {g}",
                        ),
                        rf"\frac{{\partial L}}{{\partial W_{{{k}}}}},\ "
                        rf"\frac{{\partial L}}{{\partial b_{{{k}}}}}",
                        rf"{xt}^{{\top}} {g_tex},\ \mathbf{{1}}^{{\top}} {g_tex}",
                    )
                )
                if x != "X":
                    rows.append(
                        _row(
                            grad,
                            f"{g} W{k}^T",
                            (f"dense layer {k}: ", DENSE_X),
                            grad_tex,
                            rf"{g_tex} W_{{{k}}}^{{\top}}",
                        )
                    )
                else:
                    rows.append(
                        _row(
                            grad,
                            "(not needed)",
                            "the first layer: no gradient for the data",
                            grad_tex,
                            r"\text{(not needed)}",
                        )
                    )
            arriving = (grad, grad_tex)
        return rows

    def picture(self) -> str:
        """The seed's gradient-flow picture: what flows forward, and back."""
        forward, backward = [self.links[0].input], [f"d{self.links[0].input}"]
        for link in self.links:
            label = f"{link.op}_{link.number}" if link.kind == "dense" else link.op
            forward.append(f" --{label}--> {link.output}")
            backward.append(f" <--{label}-- d{link.output}" if link.output != "L" else " <-- 1")
        return "".join(forward) + "\n" + "".join(backward)

    # ----- verification -----

    @cached_property
    def _outcome(self) -> list[str]:
        from symbolic.derivation import derive

        lines = []
        for name in dict.fromkeys(link.op for link in self.links):
            lines.append(f"{name}: {derive(name).summary()}")
        lines.append(check_chain(self))
        return lines

    def verify(self) -> list[str]:
        """Prove every link's derivation and check the composed chain; one line each."""
        return self._outcome

    # ----- rendering -----

    def text(self) -> str:
        self.verify()
        out = [f"network: {self.name}", "  forward"]
        out += _text_rows(self.forward_rows())
        out.append("  backward: the chain rule, last link first")
        out += _text_rows(self.backward_rows())
        out.append("  gradient flow")
        out += [f"    {line}" for line in self.picture().splitlines()]
        out.append("  Verified:")
        out += [f"    {line}" for line in self.verify()]
        return "\n".join(out)

    def latex(self) -> str:
        self.verify()
        rows = [rf"{r.lhs_tex} &= {r.rhs_tex} && {r.reason_tex}" for r in self.forward_rows()]
        back = [rf"{r.lhs_tex} &= {r.rhs_tex} && {r.reason_tex}" for r in self.backward_rows()]
        return (
            "\\begin{aligned}\n"
            + " \\\\\n".join(rows)
            + " \\\\[1ex]\n"
            + " \\\\\n".join(back)
            + "\n\\end{aligned}"
        )

    def markdown(self) -> str:
        verified = "\n".join(f"- {line}" for line in self.verify())
        return (
            f"### network: {self.name}\n\n$$\n{self.latex()}\n$$\n\n"
            f"```\n{self.picture()}\n```\n\n{verified}\n"
        )

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$"

    def __repr__(self) -> str:
        return f"<Network {self.name}>"

    def __str__(self) -> str:
        return self.text()


def _batch_gradient(link: Link) -> sp.Expr:
    """dL/d(input) of the loss link, for the batch mean, as arrays named as in the network:
    ``(S - T)/B`` for softmax + cross-entropy."""
    from symbolic.arrays import to_arrays
    from symbolic.derivation import derive
    from symbolic.ops import B

    arrays = to_arrays(derive(link.op).result / B)
    names = {"s": "S", "t": "T", "p": link.input}
    return arrays.xreplace(
        {v: sp.Symbol(names[v.name]) for v in arrays.free_symbols if v.name in names}
    )


def _text_rows(rows: list[Row]) -> list[str]:
    width = max(len(f"{r.lhs} = {r.rhs}") for r in rows)
    return [f"    {f'{r.lhs} = {r.rhs}':<{width}}   [{r.reason}]" for r in rows]


# ----- the composed chain, checked against SymPy's derivative of the whole loss -----

WIDTHS = (2, 3, 2)  # the check's input width, hidden widths, classes
BATCH = 2


def _softmax_rows(M: sp.Matrix) -> sp.Matrix:
    exps = M.applyfunc(sp.exp)
    return sp.Matrix(
        M.rows,
        M.cols,
        [exps[a, b] / sum(exps.row(a)) for a in range(M.rows) for b in range(M.cols)],
    )


def _elementwise(name: str, M: sp.Matrix, derivative: bool = False) -> sp.Matrix:
    """``name`` applied entry by entry; with ``derivative``, its derived result."""
    from symbolic.derivation import derive
    from symbolic.named import expand_named
    from symbolic.ops import x

    entry = op(name)
    f = entry.expr.subs(dict(entry.params))
    if derivative:
        f = expand_named(derive(name).result)
    return M.applyfunc(lambda v: f.subs(x, v))


def _sample_loss(name: str, row: sp.Matrix, target: sp.Matrix) -> sp.Expr:
    """The loss of one sample, its definition written out for the row's classes."""
    from symbolic.derivation import derive
    from symbolic.ops import N, p, t, z

    entry = op(name)
    definition = derive(name).sections[0].steps[0].expr
    written = definition.subs(N, row.cols).doit()
    inputs = z if getattr(entry, "activation", None) else p
    values = {inputs[k]: row[k] for k in range(row.cols)}
    values |= {t[k]: target[k] for k in range(row.cols)}
    return written.xreplace(values)


def _loss_gradient(name: str, outputs: sp.Matrix, targets: sp.Matrix) -> sp.Matrix:
    """dL/d(outputs) of the batch mean, from the loss's derived result."""
    from symbolic.derivation import derive
    from symbolic.ops import B, N, c, p, s, t

    entry = op(name)
    fused = getattr(entry, "activation", None)
    predictions = _softmax_rows(outputs) if fused else outputs
    per_sample = (derive(name).result / B).subs({N: outputs.cols, B: outputs.rows})
    at = s[c] if fused else p[c]
    return sp.Matrix(
        outputs.rows,
        outputs.cols,
        [
            per_sample.xreplace({at: predictions[a, b], t[c]: targets[a, b]})
            for a in range(outputs.rows)
            for b in range(outputs.cols)
        ],
    )


def check_chain(net: Network, points: int = 2) -> str:
    """The chain rule of ``backward_rows`` against SymPy's ``diff`` of the whole loss.

    The same links with small widths (inputs 2, hidden 3, 2 classes) and a batch of 2:
    the loss written out in every weight and bias and differentiated by SymPy, compared
    at random points (30 digits) with the chain of the links' derived gradients.
    """
    dense = [link for link in net.links if link.kind == "dense"]
    widths = [WIDTHS[0]] + [WIDTHS[1]] * (len(dense) - 1) + [WIDTHS[2]]
    weights, biases = [], []
    for k in range(1, len(dense) + 1):
        rows, cols = widths[k - 1], widths[k]
        weights.append(sp.Matrix(rows, cols, lambda a, b, k=k: sp.Symbol(f"W{k}_{a}{b}")))
        biases.append(sp.Matrix(1, cols, lambda a, b, k=k: sp.Symbol(f"b{k}_{b}")))
    X = sp.Matrix(BATCH, widths[0], lambda a, b: sp.Symbol(f"X_{a}{b}"))
    T = sp.Matrix(BATCH, widths[-1], lambda a, b: 1 if b == a % widths[-1] else 0)

    seen, current, k = [], X, 0
    for link in net.links[:-1]:  # forward, keeping what each link saw
        seen.append(current)
        if link.kind == "dense":
            current = current * weights[k] + sp.ones(BATCH, 1) * biases[k]
            k += 1
        elif isinstance(op(link.op), Rowwise):
            current = _softmax_rows(current)
        else:
            current = _elementwise(link.op, current)
    loss = net.links[-1].op
    total = sum(_sample_loss(loss, current.row(a), T.row(a)) for a in range(BATCH)) / BATCH

    G = _loss_gradient(loss, current, T)  # backward: the links' derived results, chained
    chained = {}
    for link, before in zip(reversed(net.links[:-1]), reversed(seen), strict=True):
        if link.kind == "dense":
            k -= 1
            chained[f"W{k + 1}"] = (weights[k], before.T * G)
            chained[f"b{k + 1}"] = (biases[k], sp.ones(1, BATCH) * G)
            G = G * weights[k].T
        elif isinstance(op(link.op), Rowwise):
            S = _softmax_rows(before)
            dot = (G.multiply_elementwise(S)) * sp.ones(S.cols, 1)
            G = S.multiply_elementwise(G - dot * sp.ones(1, S.cols))
        else:
            G = G.multiply_elementwise(_elementwise(link.op, before, derivative=True))

    rng, worst = random.Random(0), 0.0
    unknowns = [v for M, _ in chained.values() for v in M] + list(X)
    for _ in range(points):
        values = {v: sp.Float(rng.uniform(-1.5, 1.5), 30) for v in unknowns}
        for name, (M, gradient) in chained.items():
            for symbol, mine in zip(M, gradient, strict=True):
                truth = sp.N(sp.diff(total, symbol).xreplace(values), 30)
                ours = sp.N(mine.xreplace(values), 30)
                if abs(truth - ours) > sp.Float("1e-20") * (1 + abs(truth)):
                    raise AssertionError(
                        f"dL/d{name}: the chain gives {ours} for {symbol} and SymPy's "
                        f"derivative of the whole loss {truth}"
                    )
                worst = max(worst, float(abs(truth - ours)))
    shape = " -> ".join(map(str, widths))
    return (
        f"the chain: every weight's and bias's gradient, composed from the links' derived "
        f"results, equals SymPy's derivative of the whole loss, on widths {shape} with a "
        f"batch of {BATCH}, at {points} random points (30 digits; largest difference "
        f"{worst:.0e})"
    )

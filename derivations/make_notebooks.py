"""Write and run the notebooks of this folder: one per built-in op, one for a whole network.

    pip install -e '.[notebooks]'
    python derivations/make_notebooks.py            # write, execute, save with outputs
    python derivations/make_notebooks.py --no-run   # write only (outputs empty)

Each op's notebook shows the definition, the derivation (every step proven by SymPy
before it is shown), the kernels lambdify generated from it, and a check of those
kernels against central finite differences. The notebooks are committed with their
outputs, so that GitHub shows the derivations; the test suite (tests/test_notebooks.py)
executes every notebook again, and fails when a committed output is out of date.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from symbolic.ops import (  # noqa: E402
    OPS,
    Affine,
    Composed,
    Elementwise,
    Loss,
    Masked,
    Normalization,
    Penalty,
    Rowwise,
)

TIMEOUT = 300  # seconds per cell

try:
    from symbolic.ops import BUILT_IN
except ImportError:  # an older table: every op is built in
    BUILT_IN = frozenset(OPS)

SETUP = """\
import numpy as np
from IPython.display import Math, display

from numeric import kernels
from symbolic import derive
from symbolic.latex import to_latex


def gradient(f, a, h=1e-6):
    \"\"\"The gradient of the scalar f at the array a, by central differences.\"\"\"
    out = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[index] += h
        down[index] -= h
        out[index] = (f(up) - f(down)) / (2 * h)
    return out


def relative_error(actual, expected):
    return np.max(np.abs(actual - expected)) / max(np.max(np.abs(expected)), 1e-12)


rng = np.random.default_rng(0)"""

CHECKS = {
    Elementwise: """\
x = rng.normal(size=(4, 5)) * 2
x[np.abs(x) < 1e-2] = 0.5  # finite differences stay away from a kink at 0
g = rng.normal(size=x.shape)  # the gradient arriving from the next layer
analytic = backward(x, forward(x), g)
numeric = gradient(lambda a: np.sum(g * forward(a)), x)""",
    Rowwise: """\
z = rng.normal(size=(4, 5)) * 2
g = rng.normal(size=z.shape)
analytic = backward(z, forward(z), g)
numeric = gradient(lambda a: np.sum(g * forward(a)), z)""",
    Loss: """\
B, N = 4, 3
p = rng.uniform(0.05, 0.95, size=(B, N))
t = {targets}
analytic = backward(p, t, B, N)
numeric = gradient(lambda a: np.mean(forward(a, t, B, N)), p)""",
    Composed: """\
B, N = 4, 3
z = rng.normal(size=(B, N)) * 2
t = np.eye(N)[rng.integers(0, N, B)]  # one-hot targets
s = kernels("{activation}")[0](z)
analytic = backward(z, s, t, B, N)
numeric = gradient(lambda a: np.mean(forward(a, t, B, N)), z)""",
    Affine: """\
X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(1, 2))
G = rng.normal(size=(4, 2))  # dL/dY arriving from the next layer
analytic = np.concatenate([a.ravel() for a in backward(X, W, G)])
numeric = np.concatenate([
    gradient(lambda a: np.sum(G * forward(a, W, b)), X).ravel(),
    gradient(lambda a: np.sum(G * forward(X, a, b)), W).ravel(),
    gradient(lambda a: np.sum(G * forward(X, W, a)), b).ravel(),
])""",
    Penalty: """\
w = rng.normal(size=(4, 5)) * 2  # a weight array
w[np.abs(w) < 1e-2] = 0.5  # finite differences stay away from a kink at 0
analytic = backward(w)  # the penalty is added to the loss: no incoming gradient
numeric = gradient(forward, w)  # forward(w) is the penalty summed over the array""",
    Masked: """\
x = rng.normal(size=(4, 5)) * 2
m = rng.integers(0, 2, size=x.shape).astype(float)  # one drawn mask: 1 keeps, 0 drops
r = 0.3  # the rate: a kept element is scaled by 1 / (1 - r)
g = rng.normal(size=x.shape)  # the gradient arriving from the next layer
analytic = backward(m, g, r)
numeric = gradient(lambda a: np.sum(g * forward(a, m, r)), x)""",
    Normalization: """\
x = rng.normal(size=(5, 4)) * 2 + 1
gamma, beta = rng.uniform(0.5, 2, size=(1, 4)), rng.normal(size=(1, 4))
g = rng.normal(size=x.shape)  # dL/dy arriving from the next layer
eps, N = 1e-5, {group}  # N: the size of the group normalised
analytic = np.concatenate([a.ravel() for a in backward(x, gamma, g, eps, N)])
numeric = np.concatenate([
    gradient(lambda a: np.sum(g * forward(a, gamma, beta, eps, N)), x).ravel(),
    gradient(lambda a: np.sum(g * forward(x, a, beta, eps, N)), gamma).ravel(),
    gradient(lambda a: np.sum(g * forward(x, gamma, a, eps, N)), beta).ravel(),
])""",
}

GROUPS = {"batch": "x.shape[0]  # the batch: BatchNorm", "features": "x.shape[1]  # the features"}

TARGETS = {
    "onehot": "np.eye(N)[rng.integers(0, N, B)]",
    "binary": "rng.integers(0, 2, size=(B, N)).astype(float)",
    "real": "rng.normal(size=(B, N))",
}


def op_notebook(name: str) -> nbformat.NotebookNode:
    entry = OPS[name]
    check = CHECKS[type(entry)].format(
        targets=TARGETS.get(getattr(entry, "targets", ""), ""),
        activation=getattr(entry, "activation", ""),
        group=GROUPS.get(getattr(entry, "axis", ""), ""),
    )
    cells = [
        new_markdown_cell(
            f"# `{name}`\n\n{entry.doc}\n\n"
            "The derivation below is computed by SymPy when the notebook runs, and every step "
            "is proven equal to the one before (`verify()`) before it is shown. The kernels are "
            "generated from the same derivation by `sympy.lambdify`."
        ),
        new_code_cell(SETUP),
        new_markdown_cell("## Definition"),
        new_code_cell(
            f'derivation = derive("{name}")\n'
            "first = derivation.sections[0]\n"
            'display(Math(to_latex(first.quantity) + " = " + to_latex(first.steps[0].expr)))'
        ),
        new_markdown_cell("## Derivation, every step proven by SymPy"),
        new_code_cell("derivation"),
        new_markdown_cell("The same as text, with how each step was proven:"),
        new_code_cell(
            "print(derivation.text())\n"
            "print()\n"
            "for proof in derivation.verify()[1:]:\n"
            '    if proof.method != "definition":\n'
            '        print(f"{proof.reason[:60]:<60} {proof.scope}")'
        ),
        new_markdown_cell("## The kernels lambdify generated from it"),
        new_code_cell(
            f'forward, backward = kernels("{name}")\nprint(forward.source)\nprint(backward.source)'
        ),
        new_markdown_cell("## A numeric check: the backward kernel against finite differences"),
        new_code_cell(
            check + "\n\n"
            "error = relative_error(analytic, numeric)\n"
            'print(f"largest relative error: {error:.1e}")\n'
            "assert error < 1e-6, error"
        ),
    ]
    return _notebook(cells)


NETWORK_FLOW = r"""# Backpropagation through a whole network

The seed's network, dense → ReLU → dense → ReLU → dense → softmax + cross-entropy, and
its backward pass derived link by link: every local gradient below comes from a
derivation proven by SymPy (`symbolic.derive`), and the chain rule only passes the
gradients along. `symbolic.network(model)` reads the layers of a `numeric.Model` and
writes the chain; `verify()` also checks the composed chain against SymPy's derivative
of the whole network's loss. Last, the kernels lambdify generated run the same chain in
NumPy, and every parameter's gradient is checked against finite differences."""

NETWORK_CHAIN = """\
from numeric import CategoricalCrossEntropy, Dense, Model, ReLU, Softmax
from symbolic import network

model = Model(
    [Dense(64, 32, rng=0), ReLU(), Dense(32, 16, rng=1), ReLU(), Dense(16, 10, rng=2), Softmax()],
    loss=CategoricalCrossEntropy(),
)
chain = network(model)
print(chain.text())"""

NETWORK_FORWARD = """\
dense, dense_back = kernels("dense")
relu, relu_back = kernels("relu")
softmax = kernels("softmax")[0]
loss, loss_back = kernels("softmax_cross_entropy")

B, n_in, hidden, N = 8, 5, 6, 3
X = rng.normal(size=(B, n_in))
T = np.eye(N)[rng.integers(0, N, B)]
params = {
    "W1": rng.normal(size=(n_in, hidden)) * 0.5, "b1": rng.normal(size=(1, hidden)) * 0.1,
    "W2": rng.normal(size=(hidden, N)) * 0.5, "b2": rng.normal(size=(1, N)) * 0.1,
}


def forward_pass(W1, b1, W2, b2):
    Z1 = dense(X, W1, b1)
    A1 = relu(Z1)
    Z2 = dense(A1, W2, b2)
    return Z1, A1, Z2, np.mean(loss(Z2, T, B, N))


Z1, A1, Z2, L = forward_pass(**params)
print(f"loss {L:.4f}")"""

NETWORK_BACKWARD = """\
G2 = loss_back(Z2, softmax(Z2), T, B, N)               # dL/dZ2 = (S - T)/B
dA1, dW2, db2 = dense_back(A1, params["W2"], G2)       # G2 W2^T, A1^T G2, 1^T G2
G1 = relu_back(Z1, A1, dA1)                            # dA1 * 1[Z1 > 0]
dX, dW1, db1 = dense_back(X, params["W1"], G1)
analytic = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

for key, value in params.items():
    def L_of(a, key=key):
        return forward_pass(**{**params, key: a})[-1]

    error = relative_error(analytic[key], gradient(L_of, value))
    print(f"dL/d{key}: largest relative error against finite differences {error:.1e}")
    assert error < 1e-6, (key, error)"""


def network_notebook() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(NETWORK_FLOW),
        new_code_cell(SETUP),
        new_markdown_cell(
            "## The chain, from the model's layers\n\n"
            "Forward, then backward by the chain rule (last link first), the gradient flow "
            "picture, and how each part was verified:"
        ),
        new_code_cell(NETWORK_CHAIN),
        new_code_cell("chain"),
        new_markdown_cell("## The three derivations the network needs, each verified"),
        new_code_cell(
            'for name in ("dense", "relu", "softmax_cross_entropy"):\n'
            "    derivation = derive(name)\n"
            "    first = derivation.sections[0]\n"
            '    display(Math(to_latex(first.quantity) + " = " + to_latex(first.steps[0].expr)))\n'
            "    display(derivation)"
        ),
        new_markdown_cell("## Their kernels"),
        new_code_cell(
            'for name in ("dense", "relu", "softmax_cross_entropy"):\n'
            "    for kernel in kernels(name):\n"
            "        print(kernel.source)"
        ),
        new_markdown_cell("## Forward pass"),
        new_code_cell(NETWORK_FORWARD),
        new_markdown_cell(
            "## Backward pass: the chain rule passes each derived gradient along\n\n"
            "and every parameter's gradient is checked against finite differences of the "
            "whole network's loss."
        ),
        new_code_cell(NETWORK_BACKWARD),
    ]
    return _notebook(cells)


def _notebook(cells: list) -> nbformat.NotebookNode:
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number}"  # fixed ids, so regenerating changes nothing in git
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def execute(path: Path) -> None:
    """Run the notebook at ``path`` top to bottom and save it with its outputs."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT,
        kernel_name="python3",
        record_timing=False,  # no timestamps: a rerun changes only what the code prints
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    for cell in notebook.cells:  # one output per stream, however the kernel flushed it
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and output.output_type == previous.output_type == "stream"
                and output.name == previous.name
            ):
                previous.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged
    notebook.metadata["language_info"] = {"name": "python"}  # not the machine's version
    nbformat.write(notebook, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-run", action="store_true", help="write the notebooks only")
    parser.add_argument("names", nargs="*", help="only these ops' notebooks (default: all)")
    args = parser.parse_args(argv)
    paths = []
    for name in args.names or sorted(BUILT_IN):
        paths.append(HERE / f"{name}.ipynb")
        nbformat.write(op_notebook(name), paths[-1])
    if not args.names:
        paths.append(HERE / "network.ipynb")
        nbformat.write(network_notebook(), paths[-1])
    if not args.no_run:
        with ProcessPoolExecutor(max_workers=2) as pool:
            list(pool.map(execute, paths))


if __name__ == "__main__":
    main()

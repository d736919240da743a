"""One-line bugs planted by hand where mutmut does not reach, and whether the suite fails.

    python benchmarks/planted_bugs.py            # every bug below (~4 min, 2 idle cores)
    python benchmarks/planted_bugs.py 3 7        # some of them, by number

mutmut (``benchmarks/mutation.py``) mutates code inside functions of the modules it is
given; a reviewer's bug is more often a wrong constant, a default, a convention or an
off-by-one in a module outside that list. Each bug below is such a change, written the
way a tired maintainer would: the clip bound, the checker's tolerances, optimizer and
layer defaults, initialisation variances, the sampling of numeric proofs, the sizes a
claim is confirmed on, the Heaviside convention. Not a test: each bug costs a test run.

Each is applied alone to a snapshot of the last commit (in a temporary directory, with
a private ``$HOME``), and the test files named for it run with ``-x``; when they all
pass, the whole suite runs, so "missed" means the whole suite passed. Results go to
``benchmarks/planted_bugs.md``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from mutation import environment, last_commit  # noqa: E402 - the same snapshot and $HOME

REPORT = HERE / "planted_bugs.md"

# (file, the line as it is, the line with the bug, what the bug is, tests to try first)
BUGS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "symbolic/ops.py",
        'EPS = sp.Float("1e-7")',
        'EPS = sp.Float("1e-5")',
        "the cross-entropy clip bound 1e-5 instead of the nnfs book's 1e-7",
        ["tests/test_extremes.py", "tests/test_mutants_ops.py"],
    ),
    (
        "symbolic/ops.py",
        "params=((alpha, 0.01),),",
        "params=((alpha, 0.1),),",
        "LeakyReLU's default slope 0.1 instead of PyTorch's 0.01",
        ["tests/test_mutants_ops.py", "tests/test_extremes.py", "tests/test_derivations.py"],
    ),
    (
        "symbolic/elementwise.py",
        "return sp.Heaviside(arg, 1 - h0 if arg.could_extract_minus_sign() else h0)",
        "return sp.Heaviside(arg, h0)",
        "Heaviside(-u) given the value of Heaviside(u) at 0 (a kink's convention flipped)",
        ["tests/test_extremes.py", "tests/test_derivations.py"],
    ),
    (
        "symbolic/proof.py",
        "> 1e-20 * (1 + abs(complex(a)) + abs(complex(b)))",
        "> 1e-3 * (1 + abs(complex(a)) + abs(complex(b)))",
        "a numeric proof that accepts a relative difference of 1e-3",
        ["tests/test_proofs.py"],
    ),
    (
        "symbolic/proof.py",
        "rng.uniform(0.1, 3) if v.is_positive else rng.uniform(-3, 3)",
        "rng.uniform(0.1, 3)",
        "a numeric proof that samples positive points only",
        ["tests/test_proofs.py"],
    ),
    (
        "symbolic/proof.py",
        "    for _ in range(points):",
        "    for _ in range(1):",
        "a numeric proof at one point",
        ["tests/test_proofs.py"],
    ),
    (
        "symbolic/vector.py",
        "sizes: range = range(1, 5)",
        "sizes: range = range(2, 5)",
        "index-form claims confirmed on N = 2..4, not 1..4",
        ["tests/test_proofs.py"],
    ),
    (
        "symbolic/matrix.py",
        "sizes=((1, 1, 1), (2, 3, 2))",
        "sizes=((1, 1, 1),)",
        "the dense layer's matrix gradients confirmed on 1 x 1 matrices only",
        ["tests/test_derivations.py", "tests/test_proofs.py", "symbolic/matrix.py"],
    ),
    (
        "symbolic/dense_steps.py",
        "        dW: X.T * G,",
        "        dW: G.T * X,",
        "the handout's dense step writes dW transposed",
        ["tests/test_derivation_steps.py", "tests/test_derivations.py"],
    ),
    (
        "numeric/check/report.py",
        "RTOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 1e-4}",
        "RTOL = {np.dtype(np.float64): 1e-3, np.dtype(np.float32): 1e-4}",
        "the checker's float64 tolerance 1e-3 instead of 1e-5",
        ["tests/test_near_misses.py", "tests/test_mutants_report.py"],
    ),
    (
        "numeric/check/report.py",
        "ATOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-6}",
        "ATOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}",
        "the checker's float32 absolute floor 1e-4 instead of 1e-6",
        ["tests/test_near_misses.py", "tests/test_mutants_report.py"],
    ),
    (
        "numeric/check/report.py",
        "KERNEL_RTOL = {np.dtype(np.float64): 1e-8, np.dtype(np.float32): 1e-4}",
        "KERNEL_RTOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 1e-4}",
        "the kernel comparison's float64 tolerance 1e-5 (an L2 term hides under it)",
        ["tests/test_near_misses.py", "tests/test_mutants_report.py"],
    ),
    (
        "numeric/check/recognise.py",
        "FORWARD_RTOL = 1e-6",
        "FORWARD_RTOL = 1e-2",
        "a forward recognised as an op when within 1 % of it",
        ["tests/test_check_styles.py", "tests/test_check_objects.py"],
    ),
    (
        "numeric/kernel_cache.py",
        '        if os.name == "posix" and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):\n'
        "            raise",
        '        if os.name == "posix" and info.st_mode & stat.S_IWOTH:\n            raise',
        "a group-writable cache entry trusted (it is Python that will run)",
        ["tests/test_kernel_cache_trust.py"],
    ),
    (
        "numeric/optimizers.py",
        "step = self.iterations + 1",
        "step = self.iterations + 2",
        "Adam's bias correction one step late",
        ["tests/test_optimizers.py"],
    ),
    (
        "numeric/optimizers.py",
        "cache *= self.rho",
        "cache *= 1 - self.rho",
        "RMSprop's cache decayed by 1 - rho",
        ["tests/test_optimizers.py"],
    ),
    (
        "numeric/optimizers.py",
        "(1 + self.decay * self.iterations)",
        "(1 + self.decay * (self.iterations + 1))",
        "learning-rate decay one step early",
        ["tests/test_optimizers.py"],
    ),
    (
        "numeric/optimizers.py",
        "velocity *= self.momentum",
        "velocity *= self.momentum * self.momentum",
        "SGD's momentum applied squared",
        ["tests/test_optimizers.py", "tests/test_training.py"],
    ),
    (
        "numeric/optimizers.py",
        "        beta_2: float = 0.999,\n        epsilon: float = 1e-7,",
        "        beta_2: float = 0.999,\n        epsilon: float = 1e-8,",
        "Adam's default epsilon 1e-8 instead of the nnfs book's 1e-7",
        ["tests/test_optimizers.py"],
    ),
    (
        "numeric/normalization.py",
        "m * var * (n / (n - 1))",
        "m * var",
        "BatchNorm's running variance biased (PyTorch keeps it unbiased)",
        ["tests/test_normalization.py"],
    ),
    (
        "numeric/normalization.py",
        "np.sqrt(self.running_var + self.eps)",
        "(np.sqrt(self.running_var) + self.eps)",
        "BatchNorm at evaluation: eps outside the square root",
        ["tests/test_normalization.py"],
    ),
    (
        "numeric/normalization.py",
        "np.copyto(self.running_mean, (1 - m) * self.running_mean + m * mean)",
        "np.copyto(self.running_mean, m * self.running_mean + (1 - m) * mean)",
        "BatchNorm's momentum read as Keras's (the weight of the old mean)",
        ["tests/test_normalization.py"],
    ),
    (
        "numeric/normalization.py",
        "momentum: float = 0.1, eps: float = 1e-5",
        "momentum: float = 0.01, eps: float = 1e-5",
        "BatchNorm's default momentum 0.01 instead of PyTorch's 0.1",
        ["tests/test_normalization.py"],
    ),
    (
        "numeric/regularization_layers.py",
        "self._backward(np.ones((), dvalues.dtype), dvalues, 0.0)",
        "self._backward(np.ones((), dvalues.dtype), dvalues, self.rate)",
        "Dropout's backward at evaluation scaled by 1 / (1 - rate)",
        ["tests/test_dropout.py"],
    ),
    (
        "numeric/layers.py",
        '"glorot": 2 / (self.n_inputs + self.n_neurons)',
        '"glorot": 1 / (self.n_inputs + self.n_neurons)',
        "Glorot initialisation with half the variance",
        ["tests/test_network.py"],
    ),
    (
        "numeric/layers.py",
        '"he": 2 / self.n_inputs}',
        '"he": 1 / self.n_inputs}',
        "He initialisation with half the variance",
        ["tests/test_network.py"],
    ),
    (
        "numeric/training.py",
        "        if not np.isfinite(loss):\n            _diverged(optimizer, epoch, step, loss)",
        "        if np.isnan(loss):\n            _diverged(optimizer, epoch, step, loss)",
        "a loss that overflows to inf let through (isnan for isfinite)",
        ["tests/test_training_guards.py"],
    ),
    (
        "numeric/model.py",
        "truth = np.argmax(y, axis=1) if y.ndim == 2 else y",
        "truth = np.argmax(y, axis=0) if y.ndim == 2 else y",
        "accuracy reading one-hot labels along the wrong axis",
        ["tests/test_network.py", "tests/test_training.py"],
    ),
    (
        "numeric/data.py",
        "(data.data / 16.0)",
        "(data.data / 15.0)",
        "the digits scaled by 15 (their maximum is 16)",
        ["tests/test_data.py"],
    ),
    (
        "numeric/data.py",
        "    features /= 255",
        "    features /= 256",
        "MNIST pixels scaled by 256 (their maximum is 255)",
        ["tests/test_idx_files.py", "tests/test_data.py"],
    ),
]


def pytest(work: Path, tests: list[str]) -> tuple[bool, str]:
    """Whether ``tests`` fail in ``work``, and the first failure's name."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
        cwd=work,
        env=environment(work),
        capture_output=True,
        text=True,
    )
    failed = [
        line.removeprefix("FAILED ").split(" - ")[0]
        for line in done.stdout.splitlines()
        if line.startswith("FAILED")
    ]
    return done.returncode != 0, failed[0] if failed else ""


def plant(work: Path, bug: tuple) -> dict:
    path, old, new, what, tests = bug
    source = (work / path).read_text()
    if source.count(old) != 1:
        return {"what": what, "verdict": f"not planted: the line is not once in {path}"}
    (work / path).write_text(source.replace(old, new))
    start = time.perf_counter()
    try:
        caught, test = pytest(work, tests)
        if not caught:  # the suite as CI runs it
            caught, test = pytest(work, ["tests", "symbolic", "numeric"])
    finally:
        (work / path).write_text(source)
    verdict = f"caught by `{test}`" if caught else "**missed**: the whole suite passed"
    return {"what": what, "path": path, "verdict": verdict, "seconds": time.perf_counter() - start}


def main(argv: list[str]) -> int:
    chosen = [int(k) for k in argv] if argv else range(len(BUGS))
    rows = []
    with tempfile.TemporaryDirectory(prefix="planted-") as folder:
        work = Path(folder)
        commit = last_commit(work)
        for k in chosen:
            row = plant(work, BUGS[k])
            rows.append((k, row))
            print(f"{k}: {row['what']}: {row['verdict']}", flush=True)
    missed = sum("missed" in row["verdict"] for _, row in rows)
    lines = [
        "# Planted bugs",
        "",
        f"Written by `python benchmarks/planted_bugs.py` at commit {commit}: "
        f"{len(rows) - missed} of {len(rows)} one-line bugs make the suite fail.",
        "",
        "| # | file | the bug | verdict | s |",
        "|---|---|---|---|---|",
    ]
    for k, row in rows:
        seconds = f"{row['seconds']:.0f}" if "seconds" in row else ""
        lines.append(
            f"| {k} | `{row.get('path', '')}` | {row['what']} | {row['verdict']} | {seconds} |"
        )
    REPORT.write_text("\n".join(lines) + "\n")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

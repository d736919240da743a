"""An independent check that EXPECTED.py is true, by central differences in float64.

Run ``python tests/corpus/styles/_verify.py`` (``-v`` prints every gradient). It uses
NumPy, and torch for the torch entries where torch is installed, and nothing of the
project: every entry is built and called exactly as its ``build`` / ``forward`` /
``backward`` / ``expr`` text says, its gradients are compared with central
differences (step 1e-6) of ``sum(g * forward)`` (a loss: of the mean), and

* a correct entry must match to 1e-6 relative (normwise: max |actual - expected| /
  max |expected|), except where ``TOLERANCE`` below says why not;
* a buggy entry's named gradients must be missing, of the wrong shape or more than
  10% off, and show the pattern its keyword names (or, for None, none of the
  patterns); its other gradients must match to 1e-6;
* a regularized entry's gradient minus the differences must be the stated term;
* an error entry must fail with the stated message.

Exit status 0 when every entry holds, 1 otherwise.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
H = 1e-6
CORRECT = 1e-6
WRONG = 0.1
NO_PATTERN = 1e-3  # a None diagnosis: every named pattern at least this far off

# Per-entry tolerances for correct entries that cannot meet 1e-6, with the reason.
# None at present: the book's SoftmaxWithLoss, whose forward takes log(y + 1e-7),
# differs from its exact p - t backward by about 1e-7 / p_t relative (3.6e-7 here).
TOLERANCE: dict[tuple[str, str], float] = {}


def _load(file: str):
    path = HERE / file
    spec = importlib.util.spec_from_file_location(f"_styles_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _expected_module():
    return _load("EXPECTED.py")


def sample(shape, dist, rng):
    if dist == "randn":
        return rng.standard_normal(shape)
    if dist == "randn_away":
        x = rng.standard_normal(shape)
        while np.any(np.abs(x) < 0.05):
            small = np.abs(x) < 0.05
            x[small] = rng.standard_normal(int(small.sum()))
        return x
    if dist == "unit":
        return rng.uniform(0.05, 0.95, shape)
    if dist == "positive":
        return rng.uniform(0.5, 2.0, shape)
    raise ValueError(dist)


def sample_labels(kind, classes, shape, rng):
    if kind == "indices":
        return rng.integers(0, classes, shape[0])
    if kind == "onehot":
        return np.eye(classes)[rng.integers(0, classes, shape[0])]
    if kind == "binary":
        return rng.integers(0, 2, shape).astype(np.float64)
    if kind == "targets":
        return rng.standard_normal(shape)
    raise ValueError(kind)


class NoVerdict(Exception):
    """The entry cannot be checked; the message is what the CLI's exit 2 should name."""


def _call(stage, fn):
    try:
        return fn()
    except NoVerdict:
        raise
    except BaseException as error:  # noqa: BLE001 - SystemExit included on purpose
        detail = f": {error}" if str(error) else ""
        raise NoVerdict(f"{stage} raised {type(error).__name__}{detail}") from None


class Subject:
    """One entry, built: its arrays, a float64 forward, the author's backward."""

    def __init__(self, entry, rng):
        self.entry = entry
        self.module = _load(entry["file"])
        self.arrays = {
            name: sample(shape, dist, rng) for name, (shape, dist) in entry["inputs"].items()
        }
        self.ns = dict(vars(self.module))
        self.ns.update(self.arrays)
        self.obj = None
        labels = entry["labels"]
        if labels:
            name, kind, classes = labels
            first = next(iter(self.arrays.values()))
            self.ns[name] = sample_labels(kind, classes, first.shape, rng)
        self.style = entry["style"]
        if self.style == "torch":
            import torch

            self.torch = torch
            self.fn = self.ns[entry["name"]]
        self.state = None

    # --- building and calling ---

    def build(self):
        if self.entry["build"]:
            np.random.seed(_expected_module().SEED)
            self.ns.update(np=np, randn=np.random.randn)
            self.obj = eval(self.entry["build"], self.ns)
            self.ns["obj"] = self.obj
            name = self.entry["name"]
            if not callable(getattr(self.obj, "forward", None)):
                public = [m for m in dir(self.obj) if not m.startswith("_")]
                raise NoVerdict(f"{name} has no forward (it has {' and '.join(public)})")
        self.state = np.random.get_state()

    def forward(self) -> np.ndarray:
        np.random.set_state(self.state)
        if self.style == "micrograd":
            return np.array([v.data for v in self._values()[1]])
        if self.style == "torch":
            torch = self.torch
            tensors = [torch.from_numpy(a) for a in self.arrays.values()]
            with torch.no_grad():
                return _call("forward", lambda: self.fn.apply(*tensors)).numpy().copy()
        if self.obj is not None:
            vars(self.obj).pop("output", None)
        result = _call("forward", lambda: eval(self.entry["forward"], self.ns))
        if self.style == "cs231n":
            result, self.ns["cache"] = result
        if result is None and self.obj is not None:
            result = getattr(self.obj, "output", None)
            if result is None:
                near = [a for a in vars(self.obj) if a.startswith("output")]
                said = f" (it set .{near[0]})" if near else ""
                raise NoVerdict(f"forward returned nothing and set no .output{said}")
        return np.asarray(result, dtype=np.float64)

    def objective(self, g) -> float:
        out = self.forward()
        return float(np.mean(out)) if self.entry["loss"] else float(np.sum(g * out))

    def _values(self):
        value = self.module.Value
        n = len(next(iter(self.arrays.values())))
        envs = [{k: value(float(a[i])) for k, a in self.arrays.items()} for i in range(n)]
        return envs, [eval(self.entry["expr"], {}, env) for env in envs]

    def backward(self, g) -> dict:
        entry = self.entry
        if self.style == "micrograd":
            envs, outs = self._values()
            for out in outs:
                out.backward()
            return {f"{k}.grad": np.array([env[k].grad for env in envs]) for k in self.arrays}
        if self.style == "torch":
            torch = self.torch
            tensors = [torch.from_numpy(a.copy()).requires_grad_() for a in self.arrays.values()]
            out = self.fn.apply(*tensors)
            ns = {self.entry["name"]: self.fn, "ctx": out.grad_fn, "g": torch.from_numpy(g)}
            result = _call("backward", lambda: eval(entry["backward"], ns))
            result = result if isinstance(result, tuple) else (result,)
            return {
                name: None if r is None else r.detach().numpy()
                for name, r in zip(entry["returned"], result, strict=False)
            }
        self.forward()  # the forward at the base point that backward uses
        if entry["loss"] and self.style == "cs231n":
            return {"dx": self.ns["cache"]}
        self.ns["g"] = None if g is None else g.copy()
        result = _call("backward", lambda: eval(entry["backward"], self.ns))
        returned = entry["returned"]
        grads = {}
        if len(returned) == 1:
            grads[returned[0]] = result
        elif returned:
            grads.update(zip(returned, result, strict=True))
        for name in entry["gradients"]:
            if name not in returned and name not in entry["sgd_step"]:
                grads[name] = getattr(self.obj, name, None)
        return {k: None if v is None else np.array(v, dtype=np.float64) for k, v in grads.items()}

    def target(self, name) -> np.ndarray:
        return self.arrays[name] if name in self.arrays else getattr(self.obj, name)

    def differences(self, name, g) -> np.ndarray:
        array = self.target(name)
        grad = np.zeros(array.shape)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + H
            plus = self.objective(g)
            array[index] = old - H
            minus = self.objective(g)
            array[index] = old
            grad[index] = (plus - minus) / (2 * H)
        return grad


def rel(actual, expected) -> float:
    scale = float(np.max(np.abs(expected), initial=0.0))
    error = float(np.max(np.abs(actual - expected), initial=0.0))
    return error / scale if scale else (0.0 if error == 0 else float("inf"))


def pattern_errors(actual, expected, g, ones, batch):
    """How far ``actual`` is from each named pattern (relative), same shapes only."""
    found = {
        "wrong sign": rel(actual, -expected),
        f"{batch}x too large, the batch size": rel(actual, expected * batch),
        f"{batch}x too small, the batch size": rel(actual, expected / batch),
    }
    if ones is not None:
        found["ignores the incoming gradient"] = rel(actual, ones)
    if g is not None and g.shape == actual.shape:
        found["unchanged"] = rel(actual, g)
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1]:
        found["transposed"] = rel(actual, expected.T)
    if expected.ndim == 2 and expected.shape[0] > 1:
        rows = np.sum(actual * expected, axis=1) / np.maximum(np.sum(expected**2, axis=1), 1e-300)
        if np.ptp(rows) > 1e-3 * np.max(np.abs(rows)):
            found["off by a factor that differs per row"] = rel(actual, expected * rows[:, None])
    factor = float(np.vdot(actual, expected) / max(np.vdot(expected, expected), 1e-300))
    found[f"off by a constant factor: actual = {factor:.4g} x expected"] = rel(
        actual, expected * factor
    )
    return found


def check_keyword(keyword, actual, expected, g, ones, batch) -> str | None:
    """None when ``actual`` shows what ``keyword`` says, else why not."""
    if keyword == "missing":
        return None if actual is None else "not missing"
    if actual is None:
        return "missing"
    if keyword is not None and keyword.startswith("wrong shape"):
        if actual.shape == expected.shape:
            return "right shape"
        said = re.search(r"expected (\(.*?\)), got (\(.*?\))", keyword)
        if said and said.groups() != (str(expected.shape), str(actual.shape)):
            return f"shapes are {expected.shape} and {actual.shape}"
        if "transposed" in keyword and rel(actual.T, expected) > CORRECT:
            return "not the transpose"
        return None
    if actual.shape != expected.shape:
        return f"wrong shape {actual.shape}"
    found = pattern_errors(actual, expected, g, ones, batch)
    if keyword == "regularization":
        return None  # checked against the stated term
    if keyword is None:
        close = [k for k, e in found.items() if e < NO_PATTERN]
        return f"shows a pattern: {close}" if close else None
    matches = [k for k, e in found.items() if k.startswith(keyword) and e < CORRECT]
    if not matches:
        return f"not {keyword!r}: " + ", ".join(f"{k} {e:.2g}" for k, e in found.items())
    if keyword.startswith("off by a constant factor") and keyword not in matches:
        return f"factor differs: {matches}"
    return None


def _same_failure(message: str, said: str) -> bool:
    """``said`` names ``message``'s failure: "backward raised SystemExit(0)" (or ": 0")."""
    raised = re.fullmatch(r"(\w+) raised (\w+)(?:\((.*)\)|: (.*))?", said)
    if raised is None:
        return message.startswith(said)
    stage, kind, argument = raised.group(1), raised.group(2), raised.group(3) or raised.group(4)
    if not message.startswith(f"{stage} raised {kind}"):
        return False
    return argument is None or message.removeprefix(f"{stage} raised {kind}: ") == argument


def verify(entry, verbose=False) -> tuple[bool, str]:
    rng = np.random.default_rng(1)
    label = f"{entry['file']}:{entry['name']}"
    label += f" [{entry['expr']}]" if entry["expr"] else f" [{entry['build'] or entry['forward']}]"
    label += " " + ", ".join(f"{k} {shape}" for k, (shape, _) in entry["inputs"].items())
    kind, verdict = entry["kind"], entry["verdict"]
    try:
        subject = Subject(entry, rng)
    except ImportError as error:
        return True, f"skip  {label}: {error}"
    try:
        subject.build()
        out = subject.forward()
        loss = entry["loss"]
        if entry["style"] == "micrograd":
            g = np.ones(out.shape)
        else:
            g = None if loss else rng.standard_normal(out.shape)
        arrays = vars(subject.obj).items() if subject.obj is not None else ()
        saved = {k: v.copy() for k, v in arrays if isinstance(v, np.ndarray)}
        grads = subject.backward(g)
        for name, (attribute, rate) in entry["sgd_step"].items():
            grads[name] = (saved[attribute] - getattr(subject.obj, attribute)) / rate
        for name, value in saved.items():
            setattr(subject.obj, name, value)  # a backward that stepped the weights
    except NoVerdict as error:
        message = str(error)
        ok = kind == "error" and _same_failure(message, verdict.removeprefix("exit2: "))
        return ok, f"{'ok' if ok else 'FAIL'}  {label}: {kind}; no verdict: {message}"
    if kind == "error":
        return False, f"FAIL  {label}: expected {verdict!r}, but it ran"

    batch = 5
    tolerance = TOLERANCE.get((entry["file"], entry["name"]), CORRECT)
    wrong = verdict if isinstance(verdict, dict) else {}
    problems, lines = [], []
    for name, array_name in entry["gradients"].items():
        expected = subject.differences(array_name, g)
        ones = (
            subject.differences(array_name, np.ones(out.shape))
            if not loss and entry["style"] != "micrograd"
            else None
        )
        actual = grads.get(name)
        if actual is None:
            figure = "missing"
        elif actual.shape != expected.shape:
            figure = f"shape {actual.shape}, expected {expected.shape}"
        else:
            figure = f"rel {rel(actual, expected):.3g}"
        lines.append(f"      {name:<9} {figure}")
        if name not in wrong:
            if actual is None or actual.shape != expected.shape:
                problems.append(f"{name} {figure}, should pass")
            elif rel(actual, expected) >= tolerance:
                problems.append(f"{name} {figure}, should pass (< {tolerance:g})")
            continue
        keyword = wrong[name]
        if kind == "regularized":
            term = eval(entry["regularization"][name], {"np": np, "obj": subject.obj})
            error = rel(actual - expected, term)
            lines[-1] += f"; actual - differences = the stated term to {error:.2g}"
            if error >= CORRECT:
                problems.append(f"{name}: actual - differences is not the term ({error:.2g})")
            continue
        if actual is not None and actual.shape == expected.shape:
            if rel(actual, expected) <= WRONG:
                problems.append(f"{name} {figure}: not more than 10% off")
        why_not = check_keyword(keyword, actual, expected, g, ones, batch)
        if why_not:
            problems.append(f"{name}: {why_not}")
    if kind == "correct" and verdict != "pass":
        problems.append("a correct entry's verdict must be 'pass'")
    status = "ok" if not problems else "FAIL"
    text = f"{status:<5} {label}: {kind} {verdict}"
    if verbose or problems:
        text += "\n" + "\n".join(lines)
    if problems:
        text += "\n      " + "\n      ".join(problems)
    return not problems, text


def main(argv) -> int:
    verbose = "-v" in argv
    expected = _expected_module()
    failures = skipped = 0
    for entry in expected.ENTRIES:
        ok, text = verify(entry, verbose)
        failures += not ok
        skipped += text.startswith("skip")
        print(text)
    total = len(expected.ENTRIES)
    print(f"{total - failures - skipped} passed, {failures} failed, {skipped} skipped")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Mutation testing of the modules that hold the mathematics, the checker and the
file formats, with mutmut 3 (``pip install -e '.[mutation]'``).

    python benchmarks/mutation.py                      # every module below (~1 h on 2 cores)
    python benchmarks/mutation.py numeric/losses.py    # one or more of them
    python benchmarks/mutation.py --survivors numeric/model_file.py
        # only the mutants the last recorded run left alive, if the module's source has
        # not changed since that run's commit (the others stay killed: tests were only
        # added); the report marks such a run as a re-run of N
    python benchmarks/mutation.py --survivors --match '*x_load*' numeric/model_file.py
        # of those, only the ones whose name matches (fnmatch)

Not a test: too long for CI's default run. For each module it copies the last commit
(with the working tree's tests/test_mutants_*.py) to a temporary snapshot, so that
edits made while it runs change nothing; it never touches the working tree. In the
snapshot it appends a ``[mutmut]`` section to setup.cfg -- mutate that one module, run
the test files listed for it below -- and runs ``mutmut run``. mutmut runs those tests
once to learn which tests call which function, then, per mutant, only the tests that
reach it, stopping at the first failure. ``mutation_isolation.py`` empties the
derivation and kernel caches at the start of each mutant's run (they would otherwise be
inherited from that first run, and hide every mutant in a derivation rule).

mutmut 3 mutates code inside functions and methods only: module-level constants and
the op table's entries (``symbolic/ops.py``'s ``OPS``, ``EPS``) are not mutated here;
tests that pin them by value are in tests/test_mutants_*.py and tests/test_extremes.py.

Results go to ``benchmarks/mutation_latest.json`` (merged with earlier runs of other
modules) and ``benchmarks/mutation_report.md``: per module the mutants, killed,
survived, not reached by any selected test, timeouts, the mutants listed as equivalent
in ``mutation_equivalent.py`` with their reasons, and the score: killed (and timed out)
over all mutants that are not equivalent.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from mutation_equivalent import EQUIVALENT  # noqa: E402

# Module -> the test files (and doctests) that should catch a change in it.
TESTS: dict[str, list[str]] = {
    "symbolic/ops.py": [
        "symbolic/ops.py",
        "tests/test_mutants_ops.py",
        "tests/test_extremes.py",
        "tests/test_penalties.py",
        "tests/test_define.py",
    ],
    "symbolic/stable.py": [
        "symbolic/stable.py",
        "tests/test_mutants_stable.py",
        "tests/test_extremes.py",
        "tests/test_derivation_steps.py",
    ],
    "symbolic/steps.py": [
        "symbolic/steps.py",
        "tests/test_mutants_steps.py",
        "tests/test_derivation_steps.py",
    ],
    "symbolic/reasons.py": [
        "symbolic/reasons.py",
        "tests/test_mutants_steps.py",
        "tests/test_derivation_steps.py",
    ],
    "numeric/losses.py": [
        "tests/test_mutants_losses.py",
        "tests/test_network.py",
        "tests/test_extremes.py",
        "tests/test_training_guards.py",
    ],
    "numeric/validate.py": [
        "tests/test_mutants_validate.py",
        "tests/test_bad_input.py",
        "tests/test_training_guards.py",
    ],
    "numeric/check/differences.py": [
        "tests/test_mutants_differences.py",
        "tests/test_check_objects.py",
        "tests/test_check_styles.py",
    ],
    "numeric/check/diagnose.py": [
        "tests/test_mutants_diagnose.py",
        "tests/test_check_objects.py",
        "tests/test_check_cli.py",
    ],
    "numeric/check/report.py": [
        "tests/test_mutants_report.py",
        "tests/test_check_objects.py",
        "tests/test_check_styles.py",
        "tests/test_check_cli.py",
    ],
    "numeric/check/recognise.py": [
        "tests/test_mutants_recognise.py",
        "tests/test_check_styles.py",
        "tests/test_check_objects.py",
        "tests/test_check_micrograd.py",
        "tests/test_near_misses.py",
    ],
    "numeric/check/styles/micrograd.py": [
        "tests/test_mutants_micrograd.py",
        "tests/test_check_micrograd.py",
        "tests/test_check_styles.py",
        "tests/test_check_exit_codes.py",
    ],
    "numeric/check/styles/cs231n.py": [
        "tests/test_mutants_cs231n.py",
        "tests/test_check_styles.py",
        "tests/test_check_exit_codes.py",
        "tests/test_check_cli.py",
    ],
    "numeric/check/styles/objects.py": [
        "tests/test_mutants_objects.py",
        "tests/test_check_objects.py",
        "tests/test_check_styles.py",
        "tests/test_near_misses.py",
    ],
    "numeric/check/styles/object_runner.py": [
        "tests/test_mutants_objects.py",
        "tests/test_check_objects.py",
        "tests/test_check_styles.py",
        "tests/test_near_misses.py",
    ],
    "numeric/check/styles/object_names.py": [
        "tests/test_mutants_objects.py",
        "tests/test_check_objects.py",
        "tests/test_check_styles.py",
        "tests/test_near_misses.py",
    ],
    "numeric/check/layer_ops.py": [
        "tests/test_mutants_recognise.py",
        "tests/test_check_styles.py",
        "tests/test_check_objects.py",
        "tests/test_check_micrograd.py",
        "tests/test_near_misses.py",
    ],
    "numeric/check/subject.py": [
        "tests/test_mutants_recognise.py",
        "tests/test_check_styles.py",
        "tests/test_check_objects.py",
        "tests/test_check_micrograd.py",
        "tests/test_near_misses.py",
    ],
    "numeric/check/sampling.py": [
        "tests/test_mutants_recognise.py",
        "tests/test_check_styles.py",
        "tests/test_check_objects.py",
        "tests/test_check_micrograd.py",
        "tests/test_near_misses.py",
    ],
    "numeric/check/randomness.py": [
        "tests/test_mutants_recognise.py",
        "tests/test_check_styles.py",
        "tests/test_check_objects.py",
        "tests/test_check_micrograd.py",
        "tests/test_near_misses.py",
    ],
    "numeric/model_file.py": [
        "tests/test_mutants_model_file_read.py",
        "tests/test_mutants_model_file_architecture.py",
        "tests/test_model_files.py",
        "tests/test_cli_guards.py",
    ],
    "numeric/kernels.py": [
        "tests/test_mutants_kernels.py",
        "tests/test_kernels.py",
        "tests/test_kernel_cache.py",
    ],
    "numeric/optimizer_file.py": [
        "tests/test_mutants_optimizer_file.py",
        "tests/test_optimizers.py",
        "tests/test_mutants_model_file_read.py",
        "tests/test_mutants_model_file_architecture.py",
        "tests/test_dropout.py",
    ],
    "numeric/layer_specs.py": [
        "tests/test_mutants_layer_specs.py",
        "tests/test_dropout.py",
        "tests/test_normalization.py",
        "tests/test_optimizers.py",
        "tests/test_mutants_model_file_read.py",
        "tests/test_mutants_model_file_architecture.py",
    ],
}

RESULTS = HERE / "mutation_latest.json"
REPORT = HERE / "mutation_report.md"
KILLED = {"killed", "timeout", "caught by type check"}


def last_commit(into: Path) -> str:
    """The last commit's files in ``into``; the commit's hash."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return commit


def snapshot(into: Path) -> str:
    """The last commit's files in ``into``, with the working tree's mutation tests and
    this runner over them (they may be new); the commit's hash.

    The committed state, not the working tree: others' unfinished edits there may fail
    the tests that mutmut needs to pass before it mutates anything.
    """
    commit = last_commit(into)
    for own in [*ROOT.glob("tests/test_mutants_*.py"), *ROOT.glob("benchmarks/mutation*.py")]:
        (into / own.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(own, into / own.relative_to(ROOT))
    return commit


def failing_before_mutation(work: Path, tests: list[str]) -> list[str]:
    """The selected tests that fail on the unmutated snapshot (mutmut needs them all to
    pass); deselected, and named in the report."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", *tests],
        cwd=work,
        env=environment(work),
        capture_output=True,
        text=True,
    )
    return re.findall(r"^FAILED (\S+)", done.stdout, re.M)


def configure(work: Path, module: str, tests: list[str], deselect: list[str]) -> None:
    lines = ["", "[mutmut]", "source_paths =", "    symbolic", "    numeric"]
    lines += ["also_copy =", "    README.md", "    derivations", "    benchmarks"]
    lines += ["only_mutate =", f"    {module}", "pytest_add_cli_args_test_selection ="]
    lines += [f"    {t}" for t in tests]
    lines += [
        "pytest_add_cli_args =",
        "    -p",
        "    no:cacheprovider",
        "    -p",
        "    mutation_isolation",
    ]
    lines += [f"    --deselect\n    {test}" for test in deselect]
    with open(work / "setup.cfg", "a") as cfg:
        cfg.write("\n".join(lines) + "\n")


def environment(work: Path) -> dict:
    """A home of its own: the suite checks that it writes nothing under $HOME, and other
    processes writing there at the same time would fail that check."""
    (work / "home").mkdir(exist_ok=True)
    return dict(os.environ, HOME=str(work / "home"), HYPOTHESIS_PROFILE="ci")


def mutmut(work: Path, *args: str, clear_caches: bool = False) -> str:
    env = dict(environment(work), PYTHONPATH=str(work / "benchmarks"))
    env["MUTATION_CLEAR_CACHES"] = "1" if clear_caches else "0"
    done = subprocess.run(
        [sys.executable, *args], cwd=work, env=env, capture_output=True, text=True
    )
    return done.stdout + done.stderr


# The diff of each named mutant, in one process (``mutmut show`` costs a start-up each).
DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
names = json.loads(sys.stdin.read())
print(json.dumps({n: get_diff_for_mutant(n, path=find_mutant(n).path) for n in names}))
"""


def unchanged_since(commit: str, module: str) -> bool:
    """Whether ``module`` is the same at HEAD as at ``commit``."""
    done = subprocess.run(["git", "diff", "--quiet", commit, "HEAD", "--", module], cwd=ROOT)
    return done.returncode == 0


def measure(module: str, children: int, only: list[str] | None = None) -> dict:
    """Run mutmut over ``module`` in a snapshot; the status and diff of every mutant
    (of the mutants named in ``only``, if given)."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as folder:
        work = Path(folder)
        commit = snapshot(work)
        tests = [t for t in TESTS[module] if (work / t).exists()]
        deselected = failing_before_mutation(work, tests)
        setup_cfg = (work / "setup.cfg").read_text()
        derives = module.startswith("symbolic/") or module == "numeric/kernels.py"
        for _attempt in range(3):
            (work / "setup.cfg").write_text(setup_cfg)
            configure(work, module, tests, deselected)
            start = time.perf_counter()
            log = mutmut(
                work,
                *["-m", "mutmut", "run", "--max-children", str(children), *(only or [])],
                clear_caches=derives,
            )
            seconds = time.perf_counter() - start
            # a test that fails only inside mutmut's process (one that measures its own
            # memory sees mutmut's too): deselected as well, and mutmut starts again
            failed = re.findall(r"^FAILED (\S+)", log, re.M)
            if "failed to collect stats" not in log or not failed:
                break
            deselected += [test.split(" ")[0] for test in failed]
            shutil.rmtree(work / "mutants", ignore_errors=True)
        results = mutmut(work, "-m", "mutmut", "results", "--all", "true")
        status = dict(re.findall(r"^\s+(\S+): (.+)$", results, re.M))
        if only is not None:
            status = {name: s for name, s in status.items() if name in only}
        (HERE / "mutation_last_run.log").write_text(log)  # ignored by git
        if not status or "failed to collect stats" in log:
            raise RuntimeError(f"mutmut measured nothing in {module}:\n{log[-3000:]}")
        alive = [name for name, s in status.items() if s not in KILLED]
        done = subprocess.run(
            [sys.executable, "-c", DIFFS],
            cwd=work,
            input=json.dumps(alive),
            capture_output=True,
            text=True,
        )
        diffs = json.loads(done.stdout) if done.returncode == 0 else {}
    return {
        "seconds": round(seconds),
        "commit": commit,
        "deselected": deselected,
        "status": status,
        "diffs": diffs,
    }


def key(name: str, diff: str) -> str:
    """``module.function | mutated line``: what mutation_equivalent.py is keyed by."""
    plus = [line[1:].strip() for line in diff.splitlines() if line[:1] == "+" and line[:3] != "+++"]
    return f"{name.split('__mutmut_')[0]} | {plus[0] if plus else ''}"


def equivalent(result: dict, name: str) -> str | None:
    """Why mutant ``name`` of a run is equivalent, or None."""
    return EQUIVALENT.get(key(name, result["diffs"].get(name, "")))


def score(result: dict) -> dict:
    status = result["status"]
    equivalent_ = sorted(n for n in status if equivalent(result, n))
    counted = {n: s for n, s in status.items() if n not in equivalent_}
    killed = sum(s in KILLED for s in counted.values())
    return {
        "mutants": len(status),
        "killed": sum(s == "killed" or s == "caught by type check" for s in counted.values()),
        "timeout": sum(s == "timeout" for s in counted.values()),
        "survived": sum(s == "survived" for s in counted.values()),
        "no tests": sum(s == "no tests" for s in counted.values()),
        "other": sum(s not in KILLED | {"survived", "no tests"} for s in counted.values()),
        "equivalent": len(equivalent_),
        "score": killed / len(counted) if counted else 1.0,
    }


def report(results: dict) -> str:
    lines = [
        "# Mutation score",
        "",
        "Written by `python benchmarks/mutation.py` (mutmut 3, in a snapshot of the working",
        "tree; see that file). Score = killed (and timed out) / (mutants - equivalent);",
        "a mutant no selected test reaches counts as not killed.",
        "",
        "| module | mutants | killed | timeout | survived | no tests | equivalent | score | run "
        "| measured (date, commit) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for module, result in sorted(results.items()):
        f = score(result)
        lines.append(
            f"| {module} | {f['mutants']} | {f['killed']} | {f['timeout']} | {f['survived']} "
            f"| {f['no tests']} | {f['equivalent']} | {100 * f['score']:.1f} % "
            f"| {result['seconds']} s{' (re-run)' if result.get('rerun') else ''} "
            f"| {result['date']}, {result['commit']} |"
        )
    total = [score(r) for r in results.values()]
    counted = sum(f["mutants"] - f["equivalent"] for f in total)
    killed = sum(f["killed"] + f["timeout"] for f in total)
    lines += ["", f"All measured modules: {killed} of {counted} non-equivalent mutants killed", ""]
    lines += [f"({100 * killed / max(counted, 1):.1f} %).", ""]
    lines += [f"Not measured: {', '.join(m for m in TESTS if m not in results) or 'none'}.", ""]
    for module, result in sorted(results.items()):
        if result.get("rerun"):
            lines += [f"{module}: a re-run of the mutants left alive ({result['rerun']}).", ""]
        for test in result.get("deselected", []):
            lines += [f"Deselected in {module}'s run (failed before mutation): `{test}`.", ""]
    lines += ["## Equivalent mutants", ""]
    for _module, result in sorted(results.items()):
        for name in sorted(n for n in result["status"] if equivalent(result, n)):
            diff = key(name, result["diffs"][name]).split(" | ", 1)[1]
            lines.append(f"- `{name}` (`{diff}`): {equivalent(result, name)}")
    lines += ["", "## Mutants not killed", ""]
    for _module, result in sorted(results.items()):
        for name, s in sorted(result["status"].items()):
            if s not in KILLED and not equivalent(result, name):
                diff = "\n".join(
                    line for line in result["diffs"].get(name, "").splitlines() if line[:1] in "+-"
                )
                lines += [f"- `{name}` ({s})", "", "```diff", diff.strip(), "```", ""]
    return "\n".join(lines) + "\n"


def rerun_survivors(module: str, earlier: dict, children: int, match: str = "*") -> dict:
    """``earlier`` with its surviving mutants (those whose name matches ``match``) run
    again against today's tests."""
    alive = [
        name
        for name, s in earlier["status"].items()
        if s not in KILLED and fnmatch.fnmatch(name, match)
    ]
    if not alive:
        return dict(earlier)
    result = measure(module, children, only=alive)
    status = dict(earlier["status"], **result["status"])
    diffs = {**earlier["diffs"], **result["diffs"]}
    diffs = {name: diff for name, diff in diffs.items() if status[name] not in KILLED}
    rerun = f"{earlier.get('rerun', '')}, " if earlier.get("rerun") else ""
    return dict(
        result,
        status=status,
        diffs=diffs,
        rerun=f"{rerun}{len(alive)} survivors of {earlier['commit']} at {result['commit']}",
    )


def merged(recorded: dict | None, result: dict) -> dict:
    """A re-run's ``result`` merged with what another re-run of the same mutants
    recorded meanwhile: a mutant either of them killed is killed (the module's source
    is the same, and tests were only added)."""
    if not recorded or not result.get("rerun") or set(recorded["status"]) != set(result["status"]):
        return result
    status = {
        name: recorded["status"][name] if recorded["status"][name] in KILLED else s
        for name, s in result["status"].items()
    }
    diffs = {name: diff for name, diff in result["diffs"].items() if status[name] not in KILLED}
    return dict(result, status=status, diffs=diffs)


def main(argv: list[str]) -> int:
    survivors = "--survivors" in argv
    argv = [a for a in argv if a != "--survivors"]
    match = "*"
    if "--match" in argv:
        at = argv.index("--match")
        match = argv[at + 1]
        del argv[at : at + 2]
    modules = argv or list(TESTS)
    unknown = [m for m in modules if m not in TESTS]
    if unknown:
        print(
            f"not a module in scope: {unknown[0]} (choose from {', '.join(TESTS)})", file=sys.stderr
        )
        return 2
    earlier = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    children = min(2, os.cpu_count() or 1)
    for module in modules:
        try:
            recorded = earlier.get(module)
            if survivors and recorded and unchanged_since(recorded["commit"], module):
                result = rerun_survivors(module, recorded, children, match)
            else:
                result = measure(module, children)
        except RuntimeError as failed:
            print(failed, file=sys.stderr)
            continue
        result["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        # read again: another run (of another module) may have written since we started
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results[module] = result = merged(results.get(module), result)
        f = score(result)
        print(
            f"{module}: {f['killed'] + f['timeout']} of {f['mutants'] - f['equivalent']} killed "
            f"({100 * f['score']:.1f} %), {f['equivalent']} equivalent, {result['seconds']} s"
        )
        RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        REPORT.write_text(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

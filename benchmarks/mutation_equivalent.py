"""Mutants of benchmarks/mutation.py's modules that no test can kill, with the reason.

A mutant is equivalent when the mutated code computes the same results as the
original for every input the package can give it. Keyed by mutmut's mutant name;
a name here no longer matching (the function changed) only removes its exemption.
"""

EQUIVALENT: dict[str, str] = {}

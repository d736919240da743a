"""pytest collects every module here for doctests; torch_functions.py needs torch."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["torch_functions.py"]

"""Tolerances of the test suite, declared once, by dtype."""

import numpy as np

# Kernels against autograd (same formula, other code path): near machine precision.
RTOL = {np.float64: 1e-9, np.float32: 2e-5}
ATOL = {np.float64: 1e-12, np.float32: 1e-6}
# Central finite differences in float64: step, and the relative error they must reach.
FD_STEP = 1e-6
FD_RTOL = 1e-6

# Kernels at the extremes (tests/test_extremes.py, tests/test_properties.py): error in
# units of the dtype's epsilon, relative to max(|reference|, 1) -- a derivative that
# should be 1e-17 and rounds to 0 next to terms of size 1 is as good as float64 gets.
ULPS = 64

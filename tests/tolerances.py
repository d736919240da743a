"""Tolerances of the test suite, declared once, by dtype."""

import numpy as np

# Kernels against autograd (same formula, other code path): near machine precision.
RTOL = {np.float64: 1e-9, np.float32: 2e-5}
ATOL = {np.float64: 1e-12, np.float32: 1e-6}
# Central finite differences in float64: step, and the relative error they must reach.
FD_STEP = 1e-6
FD_RTOL = 1e-6

# Kernels at the extremes, in units of the dtype's epsilon. tests/test_extremes.py: times
# |reference|, plus the dtype's smallest normal (error_over_bound), so a float32 sigmoid
# giving 0 for 6.1e-6 at x = -12 is wrong; tests/test_properties.py (float32 against
# float64 on random batches): times max(|float64 value|, 1).
ULPS = 64

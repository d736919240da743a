"""Seed-style layers and losses, written like a learner would, correct and broken.

Plain NumPy classes in the nnfs book's style (``forward`` sets ``.output``,
``backward`` sets ``.dinputs`` and friends). Each broken class carries one of the
usual hand-written mistakes; ``tests/test_gradcheck_corpus.py`` lists what the
checker must say about each.
"""

"""Hand-written layers in the styles learners write; ``EXPECTED.py`` lists the verdicts."""

"""Hypothesis settings for the whole suite (tests and doctests under src/)."""

from hypothesis import settings

# Repeatable runs that leave nothing behind: the same examples every run, no example
# database in the checkout, and no per-example deadline (a loaded CI machine must not
# turn a slow example into a failure). `--hypothesis-profile=explore` searches afresh.
settings.register_profile("streamfakes", deadline=None, derandomize=True, database=None)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile("streamfakes")

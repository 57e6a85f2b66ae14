"""The course's explicit step-by-step implementations, written as the course writes them.

Examples are stacked in columns here (X of shape (n_x, m)), as in the course notebooks. Learners
read these next to the notes; the tests use them as the independent reference that the engine
must agree with.
"""
from npdeep.reference import cnn  # noqa: F401
from npdeep.reference import dnn  # noqa: F401

"""The model zoo: builders that return ready-to-train npdeep.nn models."""
from npdeep.models.mlp import mlp

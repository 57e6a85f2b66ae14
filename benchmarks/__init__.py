"""Speed of npdeep against PyTorch (CPU) on the same machine: ``python -m benchmarks``."""

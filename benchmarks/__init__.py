"""Side-by-side benchmarks of chainrule against PyTorch (run: python -m benchmarks)."""
# The harness sets the thread environment (OpenBLAS's idle spin, OpenMP threads), which acts only
# before NumPy loads: importing it here does so for every suite, however it is started.
from benchmarks import _harness  # noqa: F401

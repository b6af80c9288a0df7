"""Side-by-side benchmarks of chainrule against PyTorch (run: python -m benchmarks)."""

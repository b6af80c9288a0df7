"""Differentiable operations, one family a file, each op a Function with its backward beside it."""

"""The NumPy oracles of the kernel tests, one module per family (R4)."""

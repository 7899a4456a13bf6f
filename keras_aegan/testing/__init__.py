"""Tools for testing models across backends (parity harness)."""

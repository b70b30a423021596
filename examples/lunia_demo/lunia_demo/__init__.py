"""Lunia demo: a small order-entry API that golive's demo and tests release-gate for real."""

__version__ = "1.4.0"

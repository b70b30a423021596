"""The Lunia demo's trading KPI data, generated relative to --as-of (see generator.py)."""

from examples.lunia_demo.kpi.generator import BREAKABLE, generate

__all__ = ["BREAKABLE", "generate"]

"""golive: the production Go/No-Go checklist as one command."""

__version__ = "0.1.0"

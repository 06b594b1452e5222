"""segl: a self-hostable national digital identity."""

__version__ = "0.1.0"

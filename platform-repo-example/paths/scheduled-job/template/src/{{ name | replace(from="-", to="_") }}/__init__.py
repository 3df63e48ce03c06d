"""{{ name }}: a scheduled job on the paved scheduled-job path."""

__version__ = "0.1.0"

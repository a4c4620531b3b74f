"""tinhso — the digital province."""

__version__ = "0.1.0"

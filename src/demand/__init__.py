"""demand: forecast a police force's demand and turn it into the people it needs."""

__all__ = ["__version__"]

__version__ = "0.1.0"

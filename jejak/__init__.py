"""Jejak: a graph knowledge platform that traces Indonesian migrant workers' placement chains."""

__version__ = "0.1.0"

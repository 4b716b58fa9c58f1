"""annotator: turn French news articles into a labelled dataset of claims, quotes and commentary."""

__version__ = "0.1.0"

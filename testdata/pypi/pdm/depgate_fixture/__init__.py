"""The depgate PyPI fixture project."""

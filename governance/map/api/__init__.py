"""The accountability map as JSON."""

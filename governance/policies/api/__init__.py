"""REST API for policies."""

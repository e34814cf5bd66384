"""REST API for the inventory."""

"""REST API for reviews and findings."""

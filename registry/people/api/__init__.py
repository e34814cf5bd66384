"""REST API for teams, users and tokens."""

"""``GET /api/v1/systems/{id}/audit-pack/``."""

"""The ledger's REST API: events, their export, verification, and every object's history."""

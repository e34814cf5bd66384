"""The accountability map: who answers for what, and every gap (table, graph, CSV, JSON)."""

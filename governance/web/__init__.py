"""The pages that bring the capabilities together: dashboard, queue, system and version pages,
navigation."""

"""Views of the dashboard, the queue and the system and version pages."""

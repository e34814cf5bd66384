"""Teams, users, API tokens and how people authenticate."""

"""Policies per risk tier: who signs, review cadences, SLAs and the escalation ladder."""

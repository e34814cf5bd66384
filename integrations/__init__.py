"""Integrations: the tools engineers already use (MLflow's model registry client, OpenLineage
emitters) talking to Steward unchanged. Built on ``registry`` and ``governance``; neither of them
imports this app."""

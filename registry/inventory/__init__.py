"""The inventory: AI systems, models, versions, datasets and lineage, deployments, incidents and
costs."""

"""The append-only, hash-chained audit ledger: recording, verification, signed checkpoints,
selectors, its API and pages. The bottom layer of Steward's domain: it imports nothing else of
Steward but the foundation (``registry.core``, ``registry.api``)."""

"""The auditor pack: one zip per system, streamed, holding the system's audit events with the
chain segment that links them to a signed head, the signed daily checkpoints and public keys,
every evidence file with its recorded digest, a manifest, a seal, and the offline verifier
(``tools/verify_pack.py``), which defines the formats."""

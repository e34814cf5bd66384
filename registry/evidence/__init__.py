"""The evidence store: files and links attached to what they prove (a system, a model version, a
dataset, an approval, a review, a finding, an incident), each with its SHA-256 in the audit chain.
Items are immutable; a correction is a new version of the item."""

"""Approval requests, sign-offs with separation of duties, the deployment gate."""

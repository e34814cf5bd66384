"""REST API for approvals, sign-offs, deployments and the gate."""

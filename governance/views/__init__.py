"""Web UI views of governance, split by capability: the dashboard and my queue, approvals and
sign-off, the system page (which joins the record with its approvals and reviews, so it lives
here: the registry never imports governance), and policies. Views are thin: selectors read,
services write, ``governance.permissions`` answers who may do what."""

"""The foundation every capability stands on, knowing nothing of any of them: roles, exceptions,
locks, hand-written SQL helpers, ETags, the base model, view helpers and system checks."""

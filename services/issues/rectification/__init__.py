"""Rectification issues (整改): the lifecycle from opening to closing, the opener and
the overdue sweep."""

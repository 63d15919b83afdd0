"""Plumbing shared by the apps: settings helpers, task queueing, cache, error pages, middleware."""

"""Shared by every suite: the session loop is configured in pyproject.toml."""

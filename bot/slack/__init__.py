"""Slack plumbing: the Web API client, the request middleware and request de-duplication."""

"""Labshare: a wire-compatible Calira API v0.1.5 server, its OAuth 2.0 provider, and a client toolkit."""

__version__ = "0.1.0"

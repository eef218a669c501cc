"""Serving the platform: the asynchronous front, ports, and the `serve` supervisor."""

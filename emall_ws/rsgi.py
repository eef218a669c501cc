"""RSGI entry point, what `emall-ws serve` runs: `granian --interface rsgi --factory emall_ws.rsgi:create_app`."""
from __future__ import annotations

from emall_ws.config import Settings
from emall_ws.serving.front import AsyncFront
from emall_ws.wsgi import create_app as create_wsgi_app


def create_app() -> AsyncFront:
    settings = Settings.from_env()
    return AsyncFront(create_wsgi_app(settings), max_body_bytes=settings.max_request_bytes,
                      body_timeout=settings.body_timeout, threads=settings.threads)

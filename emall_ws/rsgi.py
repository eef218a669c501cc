"""RSGI entry point, what `emall-ws server` runs: `granian --interface rsgi --factory emall_ws.rsgi:create_app`."""
from __future__ import annotations

from emall_ws.serving.signals import stop_while_loading

stop_while_loading()  # before the imports below, which take a second: see its docstring

from emall_ws.config import Settings  # noqa: E402
from emall_ws.serving.front import AsyncFront  # noqa: E402
from emall_ws.wsgi import create_app as create_wsgi_app  # noqa: E402


def create_app() -> AsyncFront:
    settings = Settings.from_env()
    app = create_wsgi_app(settings)
    return AsyncFront(app, max_body_bytes=settings.max_request_bytes, body_timeout=settings.body_timeout,
                      threads=settings.threads, trusted_proxies=settings.trusted_proxies,
                      partner_bound=app.partner_bound)

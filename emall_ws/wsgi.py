"""WSGI entry point for production servers: `granian --interface wsgi --factory emall_ws.wsgi:create_app`."""
from __future__ import annotations

from emall_ws.config import Settings
from emall_ws.logs import configure_logging
from emall_ws.soap.app import PlatformWsgi
from emall_ws.soap.app import create_app as _create_app


def create_app() -> PlatformWsgi:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return _create_app(settings)

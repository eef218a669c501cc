"""WSGI entry point for production servers: `granian --interface wsgi --factory emall_ws.wsgi:create_app`."""
from __future__ import annotations

import gc

from emall_ws.config import Settings
from emall_ws.logs import configure_logging
from emall_ws.soap.app import PlatformWsgi
from emall_ws.soap.app import create_app as _create_app


def create_app(settings: Settings | None = None) -> PlatformWsgi:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings)
    app = _create_app(settings)
    # what the app holds for its whole life (9 spyne applications, the models, the regions) is left
    # out of the collector's full passes: on that heap each one stalled a worker for ~50 ms
    gc.collect()
    gc.freeze()
    return app

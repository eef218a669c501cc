"""The storefront under granian (`emall-ws storefront`): the command passes its settings to the
workers through STOREFRONT_* environment variables, which `app_from_env` reads in each worker."""
from __future__ import annotations

import os
from pathlib import Path

from storefront.app import Storefront, create_app

ENV_PLATFORM_URL = "STOREFRONT_PLATFORM_URL"
ENV_STATE_DIR = "STOREFRONT_STATE_DIR"
ENV_SECURE_COOKIES = "STOREFRONT_SECURE_COOKIES"


def app_from_env() -> Storefront:
    return create_app(os.environ[ENV_PLATFORM_URL], Path(os.environ[ENV_STATE_DIR]),
                      secure_cookies=os.environ.get(ENV_SECURE_COOKIES) == "1")


def serve_storefront(host: str, port: int, platform_url: str, state_dir: Path, *, secure_cookies: bool,
                     supervised: bool = False, workers: int = 1, threads: int = 8) -> None:
    """Serves until stopped. Several threads per worker: each page waits on SOAP calls. Under a
    supervisor (`emall-ws serve`), the supervisor alone bounds the stop, as for the SOAP server."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    os.environ.update({ENV_PLATFORM_URL: platform_url, ENV_STATE_DIR: str(state_dir),
                       ENV_SECURE_COOKIES: "1" if secure_cookies else "0"})
    Granian("storefront.server:app_from_env", factory=True, interface=Interfaces.WSGI, address=host, port=port,
            # "error": granian warns of more threads than cores, which pages waiting on SOAP calls need
            workers=workers, blocking_threads=threads, websockets=False, log_level=LogLevels.error,
            log_access=False, workers_kill_timeout=None if supervised else 2).serve()

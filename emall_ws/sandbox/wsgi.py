"""The partner sandboxes' entry point for granian's workers (`emall-ws sandbox`)."""
from __future__ import annotations

from emall_ws.serving.signals import stop_while_loading

stop_while_loading()  # before the imports below, which take a second: see its docstring

from emall_ws.sandbox.server import app_from_env  # noqa: E402,F401

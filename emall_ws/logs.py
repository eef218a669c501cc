"""Logging set-up: the platform's own loggers, and spyne's kept from echoing request bodies."""
from __future__ import annotations

import logging

# spyne and zeep loggers that write raw message text (which can carry passwords) or client
# mistakes with tracebacks; the platform logs what it needs itself.
_QUIET = ("spyne.protocol.xml.invalid", "spyne.protocol.soap.soap11.invalid",
          "spyne.application.client", "spyne.server.wsgi", "spyne.protocol.xml",
          "spyne.protocol.soap.soap11", "spyne.interface", "spyne.util.appreg",
          # zeep: whole partner messages (SMS texts carry codes) and a traceback per odd value
          "zeep.transports", "zeep.xsd.types.simple")


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("emall_ws").setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL)

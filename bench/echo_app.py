"""The reference for the benchmarks: a bare spyne echo service, no database, no platform code.

Serve it with `granian --interface wsgi --factory bench.echo_app:create_app` or
`gunicorn 'bench.echo_app:create_app()'` (run from the repository root).
"""
import emall_ws  # noqa: F401  (installs the 3.12/3.13 import compat before spyne is imported)

from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

NAMESPACE = "urn:emall-kukm:bench:echo"


class EchoService(ServiceBase):
    @rpc(Unicode, _returns=Unicode)
    def echo(ctx, text):  # noqa: N805  (spyne passes the method context first)
        return text


def create_app() -> WsgiApplication:
    # same protocol settings as the platform's services, so the comparison is fair
    app = Application([EchoService], tns=NAMESPACE, name="Echo",
                      in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())
    return WsgiApplication(app)

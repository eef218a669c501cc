"""One spyne Application per service, with the call_wrapper that maps every error to a fault."""
from __future__ import annotations

import logging
from spyne import Application, Fault

from emall_ws.client_address import client_address
from emall_ws.db.session import is_busy, is_unavailable
from emall_ws.domain.errors import DomainError, NotAuthorized
from emall_ws.logs import call_fields, security_event
from emall_ws.messages import language_of_request
from emall_ws.platform import Platform
from emall_ws.soap import faults
from emall_ws.soap.documentation import clean_documentation
from emall_ws.soap.frozen import FrozenAnswers
from emall_ws.soap.hardening import CALL_FIELDS, HardenedSoap11, note_operation
from emall_ws.soap.writer import AnswerWriter

log = logging.getLogger(__name__)


def namespace_of(service_name: str) -> str:
    return f"urn:emall-kukm:{service_name.lower()}"


def language_of(ctx) -> str:
    return language_of_request(getattr(ctx.transport, "req_env", None))


def platform_of(ctx) -> Platform:
    return ctx.app.platform


def client_of(ctx) -> str:
    """The caller's address (emall_ws.client_address): behind a trusted proxy, the one it reports."""
    return client_address(ctx.transport.req_env, ctx.app.platform.settings.trusted_proxies)


def replay_frozen(ctx, name, version=None) -> bool:
    """True when an answer that cannot change (emall_ws/soap/frozen.py) was sent for this name and version."""
    return ctx.app.frozen_answers.replay(ctx, name, version)


class PlatformApplication(Application):
    def __init__(self, services, name: str, platform: Platform):
        clean_documentation(services)
        super().__init__(services, tns=namespace_of(name), name=name,
                         in_protocol=HardenedSoap11(validator="lxml"), out_protocol=HardenedSoap11())
        self.platform = platform
        self.frozen_answers = FrozenAnswers(self)
        self.answer_writer = AnswerWriter(self)  # writes the answers spyne would, faster (emall_ws/soap/writer.py)

    def call_wrapper(self, ctx):
        environ = ctx.transport.req_env
        note_operation(environ, ctx.descriptor.name)
        # every event logged during the call (security events) says whose call it was
        with call_fields(client=client_of(ctx) or "-", call=f"{self.name}.{ctx.descriptor.name}") as fields:
            environ[CALL_FIELDS] = fields  # the access line, written after, names the caller too
            return self._mapped_call(ctx)

    def _mapped_call(self, ctx):
        try:
            return super().call_wrapper(ctx)
        except faults.PlatformFault:
            raise
        except DomainError as error:
            if isinstance(error, NotAuthorized):
                security_event("authorization_refused", code=error.code)
            raise faults.from_domain_error(error, language_of(ctx)) from None
        except Fault as fault:
            raise faults.from_spyne_fault(fault, language_of(ctx), self.platform.settings.max_request_bytes,
                                          self, ctx.method_request_string or "") from None
        except Exception as error:
            if is_unavailable(error):  # a state of the database (down, dropped, read-only), not a bug
                log.warning("%s: the database is unavailable: %s", ctx.method_request_string, error)
                raise faults.database_unavailable_fault(language_of(ctx)) from None
            if is_busy(error):  # its lock held by another connection past the busy timeout
                log.warning("%s: the database is busy: %s", ctx.method_request_string, error)
                raise faults.database_busy_fault(language_of(ctx)) from None
            log.exception("unhandled error in %s", ctx.method_request_string)
            raise faults.internal_fault(language_of(ctx)) from None

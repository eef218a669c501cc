"""A partner's HTTP answers, canned: zeep's Transport.post replaced, so that the adapter unit tests
can try every shape a partner could send without a network."""
from dataclasses import dataclass, field

import pytest
from zeep.transports import Transport

from adapters.base import forget_clients

ENV = "http://schemas.xmlsoap.org/soap/envelope/"
BANK_NS, COURIER_NS, SMS_NS = ("urn:emall-kukm:partner:bank", "urn:emall-kukm:partner:courier",
                               "urn:emall-kukm:partner:sms")


@dataclass
class Reply:
    status_code: int
    content: bytes
    headers: dict = field(default_factory=lambda: {"Content-Type": "text/xml; charset=utf-8"})
    encoding: str = "utf-8"


class Canned(list):
    """The partner's next answers, in order; `posted` records what the adapter sent."""

    def __init__(self):
        super().__init__()
        self.posted: list[bytes] = []


@pytest.fixture
def replies(monkeypatch):
    queue = Canned()
    posted = queue.posted

    def post(self, address, message, headers):
        posted.append(message)
        return queue.pop(0)

    monkeypatch.setattr(Transport, "post", post)
    forget_clients()
    yield queue
    forget_clients()


def soap(namespace: str, operation: str, inner: str, status: int = 200) -> Reply:
    return Reply(status, (f'<e:Envelope xmlns:e="{ENV}" xmlns:t="{namespace}"><e:Body>'
                          f"<t:{operation}Response>{inner}</t:{operation}Response></e:Body></e:Envelope>").encode())

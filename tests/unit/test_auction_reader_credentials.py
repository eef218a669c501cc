"""Auction.getAuction and listBids declare no SessionHeader, yet read one sent anyway (soap/security.py
optional_credentials_of): qualified or not, a token is checked, never ignored; none, blank or SoapUI's "?"
is an anonymous reader. In-process, over a fresh database."""
import pytest

from tests.wsgi_client import call

NS = "urn:emall-kukm:auction"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def read(app, operation: str, header: str = ""):
    body = (f'<e:Envelope xmlns:e="{ENV}" xmlns:a="{NS}"><e:Header>{header}</e:Header><e:Body>'
            f"<a:{operation}><a:productId>424242</a:productId></a:{operation}></e:Body></e:Envelope>").encode()
    return call(app, "POST", "/ws/Auction", body)


@pytest.mark.parametrize("operation", ["getAuction", "listBids"])
@pytest.mark.parametrize("header", [
    "<a:SessionHeader><a:token>not-a-session</a:token></a:SessionHeader>",
    "<a:SessionHeader><!-- from a template --><token>not-a-session</token></a:SessionHeader>",  # unqualified
])
def test_a_session_header_sent_to_a_public_read_is_checked(app, operation, header):
    assert read(app, operation, header).fault()[::2] == ("Client.Authentication", "BAD_SESSION")


@pytest.mark.parametrize("operation", ["getAuction", "listBids"])
@pytest.mark.parametrize("header", ["", "<a:SessionHeader><a:token>?</a:token></a:SessionHeader>",
                                    "<a:SessionHeader><a:token>  </a:token></a:SessionHeader>"])
def test_without_a_token_the_reader_is_anonymous(app, operation, header):
    # the product does not exist: the read got past identifying the caller
    assert read(app, operation, header).fault()[::2] == ("Client.NotFound", "AUCTION_PRODUCT_NOT_FOUND")

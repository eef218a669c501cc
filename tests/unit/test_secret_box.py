"""Sealed secrets (API keys'): they open with the key and context they were sealed under, and only so;
the digest a WS-Security client computes from a secret proves it."""
from __future__ import annotations

import base64
import os
import stat
from datetime import datetime, timezone

import pytest
from lxml import etree
from zeep.wsse.username import UsernameToken

from emall_ws.secret_box import SecretBox, SecretUnreadable, local_key
from emall_ws.services.auth import Credentials

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(1, 33))).decode()
WSSE = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"
WSU = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}"


def test_a_sealed_secret_opens_with_its_key_and_context_only():
    box = SecretBox(KEY)
    sealed = box.seal("rahasia-toko", "key-0001")
    assert "rahasia-toko" not in sealed and sealed != box.seal("rahasia-toko", "key-0001")  # a fresh nonce each
    assert box.open(sealed, "key-0001") == "rahasia-toko"
    with pytest.raises(SecretUnreadable):
        box.open(sealed, "key-0002")  # copied onto another key's row
    with pytest.raises(SecretUnreadable):
        SecretBox(OTHER_KEY).open(sealed, "key-0001")  # another instance's EMALL_SECRET_KEY
    altered = base64.b64decode(sealed)
    altered = altered[:-1] + bytes([altered[-1] ^ 1])
    with pytest.raises(SecretUnreadable):
        box.open(base64.b64encode(altered).decode(), "key-0001")


def test_the_local_key_is_made_once_readable_by_its_owner_only(tmp_path):
    var = tmp_path / "var"
    first = local_key(var)
    assert local_key(var) == first and len(base64.b64decode(first)) == 32
    assert stat.S_IMODE(os.stat(var / "secret.key").st_mode) == 0o600
    assert [path.name for path in var.iterdir()] == ["secret.key"]  # no draft left behind
    assert SecretBox(first).open(SecretBox(local_key(var)).seal("s", "c"), "c") == "s"


def zeep_username_token(password: str, digest: bool) -> Credentials:
    """The credentials the server reads from the UsernameToken zeep's own WS-Security makes."""
    envelope = etree.fromstring(b'<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">'
                                b'<e:Header/><e:Body/></e:Envelope>')
    UsernameToken("key-0001", password, use_digest=digest, created=datetime.now(timezone.utc)).apply(envelope, {})
    token = envelope.find(f".//{WSSE}UsernameToken")
    return Credentials(username=token.findtext(f"{WSSE}Username"), password=token.findtext(f"{WSSE}Password"),
                       digest=digest, nonce=base64.b64decode(token.findtext(f"{WSSE}Nonce") or ""),
                       created=token.findtext(f"{WSU}Created") or "")


@pytest.mark.parametrize("digest", [True, False], ids=["PasswordDigest", "PasswordText"])
def test_a_token_made_by_zeep_proves_its_secret_and_no_other(digest):
    credentials = zeep_username_token("s3cr3t-kunci", digest)
    assert credentials.prove("s3cr3t-kunci")
    assert not credentials.prove("s3cr3t-kunci ")
    assert not credentials.prove("")

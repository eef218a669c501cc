"""API keys over SOAP: created, listed and revoked with a login; used as a WS-Security UsernameToken
(PasswordText or PasswordDigest) by zeep; each Nonce good once; every refusal changes nothing."""
from __future__ import annotations

import base64
import os
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from lxml import etree
from sqlalchemy import func, select
from zeep.wsse.username import UsernameToken

from emall_ws.db.models import ApiKey, Member, SeenNonce
from tests.e2e.catalog import ADMIN_PASSWORD, create_admin
from tests.e2e.members import PASSWORD, as_member, form, login, register_and_activate, seller_form
from emall_ws.soap.security import WSSE_NS
from tests.e2e.soap import FAULT_NS, client, detail_code, fault_code, fault_of, field_errors, unique

WSSE = f"{{{WSSE_NS}}}"



@pytest.fixture
def member(server, mailbox):
    """(username, Member service proxy, its SessionHeader keyword arguments) of a new buyer."""
    values = register_and_activate(server, mailbox, form())
    service, as_them = as_member(server, "Member", login(server, values["username"]))
    return values["username"], service, as_them


def keys_of(server, username: str) -> list[tuple[str, datetime | None]]:
    """(key id, revoked at) of the member's keys, in the database, oldest first."""
    with server.database() as db, db.unit_of_work() as session:
        return [(key.key_id, key.revoked_at) for key in session.scalars(
            select(ApiKey).join(Member, Member.id == ApiKey.member_id).where(Member.username == username)
            .order_by(ApiKey.id))]


def seen_nonces(server) -> int:
    with server.database() as db, db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(SeenNonce))


def as_key(server, key_id: str, secret: str, digest: bool = False, **token):
    return client(server, "Member", wsse=UsernameToken(key_id, secret, use_digest=digest, **token)).service


def test_a_key_is_created_listed_and_used_as_password_text_and_as_digest(server, member):
    username, service, as_them = member
    created = service.createApiKey(label="Toko Kopi Gayo", **as_them)
    assert re.fullmatch(r"key-[0-9a-f]{20}", created.key.keyId) and len(created.secret) >= 40
    assert (created.key.label, created.key.revokedAt) == ("Toko Kopi Gayo", None)
    listed = service.listApiKeys(**as_them)
    assert [(k.keyId, k.label) for k in listed] == [(created.key.keyId, "Toko Kopi Gayo")]
    assert "secret" not in listed[0]  # listed keys carry no secret

    assert as_key(server, created.key.keyId, created.secret).getProfile().username == username
    assert as_key(server, created.key.keyId, created.secret, digest=True).getProfile().username == username
    wrong = fault_of(as_key(server, created.key.keyId, created.secret + "x", digest=True).getProfile)
    assert (fault_code(wrong), detail_code(wrong)) == ("Client.Authentication", "BAD_CREDENTIALS")
    # every call made with the key says so on its access line; a refusal names the key, not the secret
    log = server.log()
    access = [line for line in log.splitlines() if "call=Member.getProfile" in line
              and f"api_key={created.key.keyId}" in line]
    assert any("outcome=ok" in line and f"member={username}" in line for line in access), access
    assert re.search(rf"api_key_refused .*api_key={created.key.keyId}.*reason=WRONG_SECRET", log)
    assert created.secret not in log


def test_a_key_acts_with_its_members_role(server, mailbox):
    seller = register_and_activate(server, mailbox, seller_form())
    service, as_them = as_member(server, "Member", login(server, seller["username"]))
    created = service.createApiKey(label="Portal Dinas", **as_them)
    profile = as_key(server, created.key.keyId, created.secret, digest=True).getProfile()
    assert (profile.username, profile.role) == (seller["username"], "SELLER")


def post(server, message: bytes) -> tuple[int, str | None, str | None]:
    """(HTTP status, faultcode without its prefix, FaultDetail code) of one envelope sent as it is."""
    response = requests.post(server.wsdl_url("Member").removesuffix("?wsdl"), data=message, timeout=10,
                             headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
    document = etree.fromstring(response.content)
    faultcode = document.findtext(".//faultcode")
    return response.status_code, faultcode and faultcode.split(":")[-1], document.findtext(f".//{FAULT_NS}code")


def signed_message(server, username: str, password: str, digest: bool) -> etree._Element:
    """A getProfile envelope with a UsernameToken; one with PasswordText gets a Nonce, as SoapUI can add
    (zeep adds one to a digest only)."""
    secured = client(server, "Member", wsse=UsernameToken(username, password, use_digest=digest))
    message = secured.create_message(secured.service, "getProfile")
    if not digest:
        token = message.find(f".//{WSSE}UsernameToken")
        etree.SubElement(token, f"{WSSE}Nonce").text = base64.b64encode(os.urandom(16)).decode()
    return message


@pytest.mark.parametrize("digest", [True, False], ids=["PasswordDigest", "PasswordText with a Nonce"])
def test_a_message_sent_again_with_its_nonce_is_refused_as_a_replay(server, member, digest):
    _username, service, as_them = member
    created = service.createApiKey(label="Replay", **as_them)
    message = etree.tostring(signed_message(server, created.key.keyId, created.secret, digest))
    before = seen_nonces(server)
    assert post(server, message) == (200, None, None)
    replayed = (500, "Client.Authentication", "NONCE_REPLAYED")
    assert post(server, message) == replayed
    # the Username in other case (MariaDB finds a key ignoring it; a digest does not cover it): the same message
    assert post(server, message.replace(created.key.keyId.encode(), created.key.keyId.upper().encode())) == replayed
    assert seen_nonces(server) == before + 1  # the replays wrote nothing


def digest_token(key_id: str, secret: str, created: datetime) -> UsernameToken:
    return UsernameToken(key_id, secret, use_digest=True, created=created)


@pytest.mark.parametrize("age, accepted", [(timedelta(minutes=-4), True), (timedelta(minutes=-6), False),
                                           (timedelta(minutes=6), False)])
def test_a_digest_made_more_than_5_minutes_from_the_servers_clock_is_stale(server, member, age, accepted):
    _username, service, as_them = member
    created = service.createApiKey(label="Jam", **as_them)
    secured = client(server, "Member", wsse=digest_token(created.key.keyId, created.secret,
                                                          datetime.now(timezone.utc) + age)).service
    if accepted:
        assert secured.getProfile().username == _username
    else:
        before = seen_nonces(server)
        fault = fault_of(secured.getProfile)
        assert (fault_code(fault), detail_code(fault)) == ("Client.Authentication", "TIMESTAMP_EXPIRED")
        assert seen_nonces(server) == before  # a refused message has not used its Nonce


def test_a_digest_without_its_nonce_is_refused(server, member):
    _username, service, as_them = member
    created = service.createApiKey(label="Tanpa Nonce", **as_them)
    message = signed_message(server, created.key.keyId, created.secret, digest=True)
    nonce = message.find(f".//{WSSE}Nonce")
    nonce.getparent().remove(nonce)
    assert post(server, etree.tostring(message)) == (500, "Client.Authentication", "NONCE_INVALID")


def test_a_revoked_key_is_refused_and_revoking_again_answers_it_as_it_is(server, member):
    username, service, as_them = member
    created = service.createApiKey(label="Dicabut", **as_them)
    revoked = service.revokeApiKey(keyId=created.key.keyId, **as_them)
    assert revoked.revokedAt is not None
    assert service.revokeApiKey(keyId=created.key.keyId, **as_them).revokedAt == revoked.revokedAt
    fault = fault_of(as_key(server, created.key.keyId, created.secret).getProfile)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authentication", "BAD_CREDENTIALS")
    assert [k.revokedAt for k in service.listApiKeys(**as_them)] == [revoked.revokedAt]


def test_another_members_key_cannot_be_revoked_and_stays_live(server, mailbox, member):
    _username, service, as_them = member
    created = service.createApiKey(label="Milik Saya", **as_them)
    other = register_and_activate(server, mailbox, form())
    other_service, as_other = as_member(server, "Member", login(server, other["username"]))
    for key_id in (created.key.keyId, "key-00000000000000000000"):  # someone else's, and none at all: alike
        fault = fault_of(other_service.revokeApiKey, keyId=key_id, **as_other)
        assert (fault_code(fault), detail_code(fault)) == ("Client.NotFound", "API_KEY_NOT_FOUND")
    assert as_key(server, created.key.keyId, created.secret).getProfile().username == _username


def test_a_key_cannot_make_or_revoke_keys(server, member):
    username, service, as_them = member
    created = service.createApiKey(label="Mesin", **as_them)
    with_key = as_key(server, created.key.keyId, created.secret, digest=True)
    for call, kwargs in ((with_key.createApiKey, {"label": "Kunci kedua"}),
                         (with_key.revokeApiKey, {"keyId": created.key.keyId})):
        fault = fault_of(call, **kwargs)
        assert (fault_code(fault), detail_code(fault)) == ("Client.Authorization", "LOGIN_REQUIRED_FOR_KEYS")
    assert keys_of(server, username) == [(created.key.keyId, None)]
    assert [k.keyId for k in with_key.listApiKeys()] == [created.key.keyId]  # reading them is allowed


@pytest.mark.parametrize("label, field_code", [("   ", "REQUIRED"), ("x" * 101, "SCHEMA_INVALID")])
def test_a_key_needs_a_label_of_at_most_100_characters(server, member, label, field_code):
    username, service, as_them = member
    fault = fault_of(service.createApiKey, label=label, **as_them)
    assert fault_code(fault) == "Client.Validation" and field_errors(fault)["label"][0] == field_code
    assert keys_of(server, username) == []


def test_at_most_10_keys_are_live_at_once(server, member):
    username, service, as_them = member
    made = [service.createApiKey(label=f"Kunci {i}", **as_them).key.keyId for i in range(10)]
    fault = fault_of(service.createApiKey, label="Kesebelas", **as_them)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Conflict", "TOO_MANY_API_KEYS")
    assert [key_id for key_id, _ in keys_of(server, username)] == made
    service.revokeApiKey(keyId=made[0], **as_them)
    assert service.createApiKey(label="Pengganti", **as_them).key.label == "Pengganti"


def test_a_suspended_members_keys_are_refused(server, mailbox):
    values = register_and_activate(server, mailbox, form())
    service, as_them = as_member(server, "Member", login(server, values["username"]))
    created = service.createApiKey(label="Ditangguhkan", **as_them)
    admin_service, as_admin = as_member(server, "Member", login(server, create_admin(server), ADMIN_PASSWORD))
    admin_service.suspendMember(username=values["username"], reason="uji", **as_admin)
    fault = fault_of(as_key(server, created.key.keyId, created.secret).getProfile)
    assert detail_code(fault) == "BAD_CREDENTIALS"
    admin_service.reinstateMember(username=values["username"], **as_admin)
    assert as_key(server, created.key.keyId, created.secret).getProfile().username == values["username"]


def test_a_digest_with_a_members_own_password_is_refused(server, mailbox):
    values = register_and_activate(server, mailbox, form(username=unique("digest")))
    fault = fault_of(as_key(server, values["username"], PASSWORD, digest=True).getProfile)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authentication", "DIGEST_NEEDS_API_KEY")

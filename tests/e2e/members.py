"""Registering and activating members over SOAP, as a client would."""
from __future__ import annotations

import itertools

from tests.e2e.soap import client, unique, with_token

PASSWORD = "rahasia123"
# 31.74.01 (Tebet, Jakarta Selatan), born 15-01-1990, serial 0001; women add 40 to the day
SELLER_NIK = "3174011501900001"
SELLER_NIK_WOMAN = "3174015501900002"
# a number of its own for each member, as people have: codes are limited per number (services.limits)
_phones = itertools.count(1)


def form(**overrides) -> dict:
    name = unique("member")
    values = dict(province="31", city="31.74", address="Jl. Jenderal Gatot Subroto Kav. 94",
                  phone=f"0857{next(_phones):08d}", name="Siti Aminah", username=name, password=PASSWORD,
                  email=f"{name}@example.co.id")
    values.update(overrides)
    return values


def seller_form(**overrides) -> dict:
    return form(**{"nik": SELLER_NIK, "birthDate": "1990-01-15", "bankCode": "BCA", "accountNumber": "5550007890",
                   "accountHolder": "Koperasi Maju Bersama", **overrides})


def register_and_activate(server, mailbox, values: dict) -> dict:
    member = client(server, "Member").service
    member.register(form=values)
    code = mailbox.code_for(values["email"])
    member.activate(username=values["username"], code=code)
    return values


def login(server, username: str, password: str = PASSWORD) -> str:
    return client(server, "Member").service.login(username=username, password=password).token


def as_member(server, service: str, token: str):
    """(service proxy, keyword arguments carrying the session token)."""
    c = client(server, service)
    return c.service, with_token(c, service, token)

"""Secrets the platform must read back, sealed at rest: AES-256-GCM under a key derived from EMALL_SECRET_KEY.

An API key's secret is one: a WS-Security PasswordDigest is computed from the secret itself, so it
cannot be kept as a one-way hash. Each sealed value is bound to what it belongs to (`context`, e.g. the
key id), so a sealed secret copied onto another row does not open there.
"""
from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32  # what EMALL_SECRET_KEY must decode to, at least
LOCAL_KEY_FILE = "secret.key"  # in EMALL_VAR_DIR, for a server on loopback given none
_NONCE_BYTES = 12


class SecretUnreadable(ValueError):
    """A sealed value this key cannot open: sealed under another EMALL_SECRET_KEY, or altered."""


def decode_key(text: str) -> bytes:
    """The key's bytes: base64 (standard or URL-safe) of at least KEY_BYTES bytes, as
    `openssl rand -base64 32` prints. ValueError otherwise: a placeholder or a short word is no key."""
    try:
        raw = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error:
        raise ValueError("not base64") from None
    if len(raw) < KEY_BYTES:
        raise ValueError(f"{len(raw)} bytes, fewer than {KEY_BYTES}")
    return raw


def server_box(secret_key: str | None, var_dir: Path) -> SecretBox:
    """The server's box, as every process of it opens sealed secrets: EMALL_SECRET_KEY's key, else (a server
    on loopback) the key file in `var_dir`, made when first needed."""
    return SecretBox(secret_key or local_key(var_dir))


def local_key(var_dir: Path) -> str:
    """The key kept in `var_dir`, made on first use: every process of one machine's server reads the
    same file (made by linking a complete file into place, so none reads half of it)."""
    path = var_dir / LOCAL_KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        draft = var_dir / f".{LOCAL_KEY_FILE}.{os.getpid()}"
        draft.write_text(base64.b64encode(os.urandom(KEY_BYTES)).decode() + "\n")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:  # another process made it first: its key is the key
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


class SecretBox:
    def __init__(self, key: str):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"emall-ws sealed secrets v1").derive(decode_key(key))
        self._aead = AESGCM(derived)

    def seal(self, secret: str, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, secret.encode(), context.encode())
        return base64.b64encode(sealed).decode()

    def open(self, sealed: str, context: str) -> str:
        raw = base64.b64decode(sealed)
        try:
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        except InvalidTag:
            raise SecretUnreadable(context) from None

"""Password hashing with Argon2id (argon2-cffi: the reference binding, RFC 9106 defaults)."""
from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# EMALL_PASSWORD_HASH: the Argon2 parameters by name. "cheapest" protects nothing: it is there so
# that a test suite registering thousands of members does not spend minutes hashing.
PASSWORD_HASH_PROFILES = {"rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY, "cheapest": profiles.CHEAPEST}
DEFAULT_PASSWORD_HASH = "rfc9106-low-memory"


class Passwords:
    def __init__(self, profile: str = DEFAULT_PASSWORD_HASH):
        self._hasher = PasswordHasher.from_parameters(PASSWORD_HASH_PROFILES[profile])

    @cached_property
    def _decoy(self) -> str:
        """Verified against when the username is unknown, so both answers take as long."""
        return self._hasher.hash("decoy password, never a member's")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

"""What tests build again and again, in one place: members, sellers with a payout account, products,
carts and paid orders, as typed objects."""
from __future__ import annotations

from emall_ws.passwords import Passwords

# Argon2's cheapest parameters: a suite that registers thousands of members must not spend minutes
# hashing (tests/unit/test_passwords.py checks the real parameters)
TEST_PASSWORD_HASH = "cheapest"
PASSWORDS = Passwords(TEST_PASSWORD_HASH)

"""Password checks for the server: SCRAM-SHA-256 (RFC 5802 / 7677, what libpq and psycopg use by
default) and Postgres' md5 challenge.

The server holds only the password given on the command line, so any user name is accepted with it;
the exchange never sends the password itself (SCRAM never sends anything a listener could replay).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRAM_ITERATIONS = 4096  # Postgres' default scram_iterations


class AuthError(Exception):
    """The client's answer is not a valid exchange or does not prove the password (28P01)."""


def md5_salt() -> bytes:
    return secrets.token_bytes(4)


def md5_ok(password: str, user: str, salt: bytes, answer: str) -> bool:
    """libpq sends ``"md5" + md5(md5(password + user) + salt)`` in hex."""
    inner = hashlib.md5((password + user).encode()).hexdigest().encode()
    expected = "md5" + hashlib.md5(inner + salt).hexdigest()
    return hmac.compare_digest(expected, answer)


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def _attributes(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        if len(part) >= 2 and part[1] == "=":
            out[part[0]] = part[2:]
    return out


class Scram:
    """One SCRAM-SHA-256 exchange, server side: ``first(client_first)`` gives the server-first
    message, ``final(client_final)`` checks the proof and gives the server-final message."""

    def __init__(self, password: str):
        self.salt = secrets.token_bytes(16)
        salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), self.salt, SCRAM_ITERATIONS)
        self.stored_key = hashlib.sha256(_hmac(salted, b"Client Key")).digest()
        self.server_key = _hmac(salted, b"Server Key")

    def first(self, client_first: str) -> str:
        header, sep, bare = client_first.partition(",")
        authzid, sep2, bare = bare.partition(",")
        if not sep or not sep2 or header not in ("n", "y"):  # "p": channel binding, which we never offer
            raise AuthError("unsupported SCRAM channel binding")
        self.client_first_bare = bare
        nonce = _attributes(bare).get("r")
        if not nonce:
            raise AuthError("SCRAM client-first message without a nonce")
        self.nonce = nonce + base64.b64encode(secrets.token_bytes(18)).decode()
        self.server_first = f"r={self.nonce},s={base64.b64encode(self.salt).decode()},i={SCRAM_ITERATIONS}"
        return self.server_first

    def final(self, client_final: str) -> str:
        without_proof, _, proof_part = client_final.rpartition(",p=")
        attrs = _attributes(without_proof)
        if attrs.get("r") != self.nonce or not proof_part:
            raise AuthError("SCRAM nonce mismatch")
        try:
            proof = base64.b64decode(proof_part, validate=True)
        except ValueError:
            raise AuthError("SCRAM proof is not base64") from None
        auth_message = f"{self.client_first_bare},{self.server_first},{without_proof}".encode()
        signature = _hmac(self.stored_key, auth_message)
        if len(proof) != len(signature):
            raise AuthError("SCRAM proof of the wrong length")
        client_key = bytes(a ^ b for a, b in zip(proof, signature))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), self.stored_key):
            raise AuthError("password authentication failed")
        return "v=" + base64.b64encode(_hmac(self.server_key, auth_message)).decode()

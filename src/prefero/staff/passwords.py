"""Staff passwords: argon2id (argon2-cffi's ``PasswordHasher``, the OWASP-recommended
algorithm), a length rule, and a failure path that costs the same whether or not the account
exists."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "hash_password",
    "needs_rehash",
    "password_problem",
    "verify_password",
    "waste_a_verification",
]

# NIST SP 800-63B: length is what makes a password strong; 12 characters of a passphrase
# are far beyond online guessing (which the sign-in also rate-limits).
MIN_PASSWORD_LENGTH = 12
# argon2 hashes any length, but a megabyte-long "password" is only a way to burn CPU.
MAX_PASSWORD_LENGTH = 1024

# argon2-cffi's defaults (RFC 9106's second recommended set: 64 MiB, 3 passes, 4 lanes),
# which a later version may raise: ``needs_rehash`` then tells the sign-in to store a new
# hash made with the new parameters.
_hasher = PasswordHasher()


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be a staff password, or None.

    >>> password_problem("correct horse battery"), password_problem("short")
    (None, 'must be at least 12 characters long (it has 5)')
    >>> password_problem("            ")
    'must not be only spaces'
    """
    if not password.strip():
        return "must not be only spaces"
    if len(password) < MIN_PASSWORD_LENGTH:
        return (f"must be at least {MIN_PASSWORD_LENGTH} characters long "
                f"(it has {len(password)})")
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters long"
    return None


def hash_password(password: str) -> str:
    """A new salted argon2id hash of ``password`` (PHC string)."""
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash. A stored value that is not an
    argon2 hash matches nothing (never raises)."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    return _hasher.hash("prefero: an account that does not exist")


def waste_a_verification(password: str) -> None:
    """Spend what a verification costs, for an address with no account: the answer then
    takes as long as a wrong password's, and tells nobody which addresses exist."""
    verify_password(_dummy_hash(), password)

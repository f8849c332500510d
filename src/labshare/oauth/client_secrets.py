"""Client secrets: stored as a keyed SHA-256 (HMAC, keyed from SECRET_KEY), checked in constant time.

Secrets are long and random, so a slow password hash buys nothing but a second of CPU per
client authentication (and per wrong guess). django-oauth-toolkit hashes `client_secret`
with Django's password hashers (OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]): this is one.
A secret stored under another hasher (PBKDF2, before) is rehashed on its next successful use.
"""

import hmac

from django.contrib.auth.hashers import (
    BasePasswordHasher,
    check_password,
    identify_hasher,
    make_password,
    mask_hash,
)
from django.utils.crypto import salted_hmac

from labshare.oauth.models import Application

ALGORITHM = "labshare_hmac_sha256"
HASHER = "labshare.oauth.client_secrets.ClientSecretHasher"


class ClientSecretHasher(BasePasswordHasher):
    algorithm = ALGORITHM

    def encode(self, password: str, salt: str) -> str:
        self._check_encode_args(password, salt)
        digest = salted_hmac(HASHER, f"{salt}${password}", algorithm="sha256").hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "salt": salt, "hash": digest}

    def verify(self, password: str, encoded: str) -> bool:
        salt = self.decode(encoded)["salt"]
        return hmac.compare_digest(encoded.encode(), self.encode(password, salt).encode())

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass  # one HMAC whatever the secret: nothing to even out


def hash_secret(secret: str) -> str:
    return make_password(secret, hasher=ALGORITHM)


def check_secret(secret: str, stored: str) -> bool:
    """Whether `secret` matches the stored hash; an older hash is replaced by this hasher's on success."""
    try:
        identify_hasher(stored)
    except ValueError:  # stored as it is (hash_client_secret off)
        return hmac.compare_digest(secret.encode(), stored.encode())

    def upgrade(raw: str) -> None:
        # Compare-and-set: a secret changed meanwhile (a new one issued) is left alone.
        Application.objects.filter(client_secret=stored).update(client_secret=hash_secret(raw))

    return check_password(secret, stored, setter=upgrade, preferred=ALGORITHM)

"""Personas shared by every test.

Alice administers the Graphene Lab and the Optics Lab (both in the Physics department of
the University of Cambridge) and is a plain member of the independent Bio Lab.
Bob is a member of the Chemistry Lab of another organisation. Charlie belongs to no lab.
"""

import pytest
from django.core.cache import cache

from labshare.accounts.models import Account, AccountType, Membership, Role, User
from labshare.oauth import client_secrets
from labshare.oauth.models import SCOPES, Application
from labshare.oauth.tokens import issue_tokens

PASSWORD = "correct horse battery staple"
# For tests where passwords play no part: PBKDF2 would dominate their set-up. Client secrets
# keep Labshare's hasher, which django-oauth-toolkit asks for by name.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", client_secrets.HASHER]


def redis_caches(location: str) -> dict:
    """The cache settings of production (settings.py) with Redis at `location`."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


# Equipment, people and custom forms of the booking workflow, for its tests and the browser's.
pytest_plugins = ["tests.bookings.fixtures"]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cambridge(db) -> Account:
    return Account.objects.create(account_type=AccountType.ORGANISATION, name="University of Cambridge")


@pytest.fixture
def physics(cambridge) -> Account:
    return Account.objects.create(account_type=AccountType.DEPARTMENT, name="Physics", organisation=cambridge)


@pytest.fixture
def graphene_lab(physics) -> Account:
    return Account.objects.create(
        account_type=AccountType.LAB, name="Graphene Lab", department=physics, timezone="Europe/London"
    )


@pytest.fixture
def optics_lab(physics) -> Account:
    return Account.objects.create(account_type=AccountType.LAB, name="Optics Lab", department=physics)


@pytest.fixture
def bio_lab(db) -> Account:
    return Account.objects.create(account_type=AccountType.LAB, name="Bio Lab", timezone="America/New_York")


@pytest.fixture
def oxford(db) -> Account:
    return Account.objects.create(account_type=AccountType.ORGANISATION, name="University of Oxford")


@pytest.fixture
def chemistry_lab(oxford) -> Account:
    return Account.objects.create(account_type=AccountType.LAB, name="Chemistry Lab", organisation=oxford)


@pytest.fixture
def alice(graphene_lab, optics_lab, bio_lab) -> User:
    user = User.objects.create_user("alice@example.test", PASSWORD, first_name="Alice", last_name="Archer")
    Membership.objects.create(user=user, lab=graphene_lab, role=Role.ADMINISTRATOR)
    Membership.objects.create(user=user, lab=optics_lab, role=Role.ADMINISTRATOR)
    Membership.objects.create(user=user, lab=bio_lab, role=Role.MEMBER)
    return user


@pytest.fixture
def bob(chemistry_lab) -> User:
    user = User.objects.create_user("bob@example.test", PASSWORD, first_name="Bob", last_name="Baker")
    Membership.objects.create(user=user, lab=chemistry_lab, role=Role.MEMBER)
    return user


@pytest.fixture
def charlie(db) -> User:
    return User.objects.create_user("charlie@example.test", PASSWORD, first_name="Charlie", last_name="Cole")


@pytest.fixture
def alice_app(alice) -> Application:
    return Application.objects.create(
        name="Alice's dashboard",
        user=alice,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://dashboard.example.test/callback",
        scopes=" ".join(SCOPES),
    )


@pytest.fixture
def alice_tokens(alice, alice_app, graphene_lab, optics_lab) -> dict:
    """Every scope, for Graphene Lab and Optics Lab (not Bio Lab)."""
    return issue_tokens(alice, alice_app, [graphene_lab, optics_lab], SCOPES)


@pytest.fixture
def alice_token(alice_tokens) -> str:
    return alice_tokens["access_token"]


@pytest.fixture
def bob_token(bob, alice_app, chemistry_lab) -> str:
    return issue_tokens(bob, alice_app, [chemistry_lab], SCOPES)["access_token"]

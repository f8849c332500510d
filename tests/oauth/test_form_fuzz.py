"""Hypothesis fuzzes the web forms (sign-in, the application form, the consent page): any value,
NUL characters, lone surrogates and invalid UTF-8 included, answers below 500 and writes
nothing unless the form was accepted."""

from urllib.parse import quote_plus

import pytest
from axes.utils import reset
from django.core.cache import cache
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oauth2_provider.models import Grant

from labshare.oauth.models import Application, Authorisation

# Every code point, surrogates included (encoded as the invalid UTF-8 a client could send).
ANY_CHARACTER = st.characters(codec=None, categories=("L", "M", "N", "P", "S", "Z", "C"))
VALUE = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.sampled_from(["", "\x00", "\ud800", "https://example.test/cb", "read_bookings", "true", "1"]),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def form_body(fields: dict[str, list[str]]) -> bytes:
    """application/x-www-form-urlencoded, keeping what UTF-8 cannot say as it would arrive."""

    def quote(text: str) -> str:
        return quote_plus(text.encode("utf-8", "surrogatepass"))

    return "&".join(
        f"{quote(name)}={quote(value)}" for name, values in fields.items() for value in values
    ).encode()


def post(client, path: str, fields: dict[str, list[str]]):
    cache.clear()  # the sign-in and token limits would otherwise answer for the view
    reset()
    return client.post(path, form_body(fields), content_type="application/x-www-form-urlencoded")


@FUZZ
@given(username=VALUE, password=VALUE, extra=st.dictionaries(VALUE, st.lists(VALUE, max_size=2), max_size=2))
@example(username="alice@example.test\x00", password="\ud800", extra={})
def test_the_sign_in_form(client, alice, username, password, extra):
    response = post(client, "/login", {**extra, "username": [username], "password": [password]})
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        client.logout()


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


@FUZZ
@given(
    name=VALUE,
    company=VALUE,
    website=VALUE,
    scopes=st.lists(st.one_of(VALUE, st.sampled_from(["read_user", "read_bookings"])), max_size=3),
    confidential=VALUE,
    redirect_uris=VALUE,
)
@example(
    name="\x00", company="", website="\ud800", scopes=["read_user"], confidential="1", redirect_uris="\x00"
)
def test_the_application_form(signed_in, name, company, website, scopes, confidential, redirect_uris):
    before = Application.objects.count()
    fields = {
        "name": [name],
        "company_name": [company],
        "website_url": [website],
        "scope_choices": scopes,
        "confidential": [confidential],
        "redirect_uris": [redirect_uris],
    }
    response = post(signed_in, "/oauth/applications/new", fields)
    assert response.status_code in (200, 302, 400), response.status_code
    assert Application.objects.count() == before + (1 if response.status_code == 302 else 0)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            name: st.lists(VALUE, min_size=1, max_size=2)
            for name in (
                "client_id",
                "redirect_uri",
                "response_type",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
                "labs",
                "allow",
            )
        },
    ),
    real_client=st.booleans(),
)
@example(fields={"client_id": ["\x00"], "allow": ["true"]}, real_client=False)
@example(fields={"state": ["\ud800"], "labs": ["x"]}, real_client=True)
def test_the_consent_page(signed_in, rspace_app, graphene_lab, fields, real_client):
    if real_client:
        fields = {
            "client_id": [rspace_app.client_id],
            "redirect_uri": [rspace_app.redirect_uris],
            "response_type": ["code"],
            **fields,
        }
    grants, authorisations = Grant.objects.count(), Authorisation.objects.count()
    response = post(signed_in, "/oauth/authorize", fields)
    assert response.status_code in (200, 302, 400), response.status_code
    issued = Grant.objects.count() - grants
    if issued:
        assert response.status_code == 302 and "code=" in response["Location"]
        assert Authorisation.objects.count() >= authorisations
    else:
        assert Authorisation.objects.count() == authorisations

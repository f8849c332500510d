"""The bearer check: one query, cached for seconds, forgotten on revocation or re-authorisation."""

from datetime import timedelta

import time_machine
from django.utils import timezone
from oauth2_provider.models import AccessToken

from labshare.api.auth import TOKEN_CACHE_SECONDS, Token, checksum
from labshare.oauth.models import Authorisation
from labshare.oauth.tokens import authorise


def test_it_checks_a_token_in_one_query_then_none(alice_token, api, django_assert_num_queries):
    # 1: the token row with its authorised labs; 2: the user
    with django_assert_num_queries(2):
        assert api("/v1/user", alice_token).status_code == 200
    # 1: the user (the token is cached)
    with django_assert_num_queries(1):
        assert api("/v1/user", alice_token).status_code == 200


def test_it_reads_the_token_again_once_the_cache_expires(alice_token, api, django_assert_num_queries):
    api("/v1/user", alice_token)
    later = timezone.now() + timedelta(seconds=TOKEN_CACHE_SECONDS + 1)
    with time_machine.travel(later), django_assert_num_queries(2):
        assert api("/v1/user", alice_token).status_code == 200


def test_it_stores_no_raw_token(alice_token):
    row = AccessToken.objects.get(token_checksum=checksum(alice_token))
    assert row.token == ""


def test_it_sees_a_lab_at_once_when_it_is_authorised(world, alice, alice_app, alice_token, api):
    assert api(f"/v1/accounts/{world.bio_lab.id}", alice_token).status_code == 404
    authorise(alice, alice_app, [world.graphene_lab, world.optics_lab, world.bio_lab])
    assert api(f"/v1/accounts/{world.bio_lab.id}", alice_token).status_code == 200


def test_it_stops_seeing_a_lab_at_once_when_it_is_withdrawn(world, alice, alice_app, alice_token, api):
    assert api(f"/v1/equipment/{world.laser.id}", alice_token).status_code == 200
    Authorisation.objects.get(user=alice, application=alice_app).labs.remove(world.optics_lab)
    assert api(f"/v1/equipment/{world.laser.id}", alice_token).status_code == 404
    assert api(f"/v1/equipment/{world.microscope.id}", alice_token).status_code == 200


def test_it_stops_seeing_a_lab_removed_from_the_labs_side(world, alice, alice_app, alice_token, api):
    assert api(f"/v1/equipment/{world.laser.id}", alice_token).status_code == 200
    world.optics_lab.authorisations.clear()
    assert api(f"/v1/equipment/{world.laser.id}", alice_token).status_code == 404


def test_it_sees_nothing_once_the_authorisation_is_gone(world, alice, alice_app, alice_token, api):
    assert api("/v1/equipment", alice_token).json() != []
    Authorisation.objects.filter(user=alice, application=alice_app).delete()
    # Whoever deletes the authorisation also deletes its tokens; until then they read nothing.
    response = api("/v1/equipment", alice_token)
    assert response.status_code in (200, 401)
    if response.status_code == 200:
        assert response.json() == []


def test_it_keeps_tokens_of_one_application_apart_from_another(world, bob_token, alice_token, api):
    assert api(f"/v1/bookings/{world.chemistry_booking.id}", bob_token).status_code == 200
    assert api(f"/v1/bookings/{world.chemistry_booking.id}", alice_token).status_code == 404
    assert api(f"/v1/bookings/{world.booking.id}", bob_token).status_code == 404


def test_it_accepts_the_scheme_in_any_case(alice_token, client):
    response = client.get("/v1/user", HTTP_AUTHORIZATION=f"bearer {alice_token}")
    assert response.status_code == 200


def test_it_says_a_token_is_invalid_when_it_never_existed(db, api):
    response = api("/v1/user", "x" * 30)
    assert response.json()["error_description"] == "The access token is invalid"


def test_a_tokens_accounts_are_its_labs_and_those_they_sit_in_ascending():
    token = Token(
        user_id=1,
        scopes=frozenset({"read_accounts"}),
        expires=0,
        lab_ids=[5, 9, 12],
        departments=[3, None, 3],
        organisations=[1, 1, 2],
    )
    assert token.account_ids == [1, 2, 3, 5, 9, 12]

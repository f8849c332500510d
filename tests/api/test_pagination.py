"""page and per_page on every list, the X-* headers and the Link header, at the edges."""

import re
from datetime import timedelta

import pytest

from labshare.accounts.models import Group
from tests.api.conftest import T0
from tests.api.contract import assert_matches_contract


def make_groups(lab, count: int) -> list[int]:
    """`count` groups, the newest first; every third shares a creation time to test ties."""
    groups = Group.objects.bulk_create(
        Group(lab=lab, name=f"Group {n}", created_at=T0 + timedelta(minutes=n - n % 3)) for n in range(count)
    )
    return [g.id for g in sorted(groups, key=lambda g: (g.created_at, g.id), reverse=True)]


def links(response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"])}


def page_of(url: str) -> tuple[int, int]:
    page = re.search(r"[?&]page=(\d+)", url).group(1)
    per_page = re.search(r"[?&]per_page=(\d+)", url).group(1)
    return int(page), int(per_page)


@pytest.mark.parametrize("count", [0, 1, 99, 100, 101])
def test_it_pages_through_every_record_once(count, graphene_lab, alice_token, api):
    expected = make_groups(graphene_lab, count)
    first = api("/v1/groups", alice_token)
    assert_matches_contract(first, "/groups")
    assert first["X-Total-Records"] == str(count)
    assert first["X-Current-Page"] == "1"
    assert first["X-Per-Page"] == "100"
    assert [g["id"] for g in first.json()] == expected[:100]
    last_page = max(1, -(-count // 100))
    assert page_of(links(first)["last"]) == (last_page, 100)
    assert "prev" not in links(first)
    if count > 100:
        second = api("/v1/groups", alice_token, page=2)
        assert [g["id"] for g in second.json()] == expected[100:]
        assert page_of(links(first)["next"]) == (2, 100)
        assert page_of(links(second)["prev"]) == (1, 100)
        assert "next" not in links(second)
    else:
        assert "next" not in links(first)


def test_it_walks_small_pages_in_a_stable_order(graphene_lab, alice_token, api):
    expected = make_groups(graphene_lab, 10)
    seen, url = [], "/v1/groups?per_page=3"
    while url:
        response = api(url.removeprefix("http://testserver"), alice_token)
        assert response["X-Per-Page"] == "3"
        seen.extend(g["id"] for g in response.json())
        url = links(response).get("next")
    assert seen == expected
    assert len(seen) == 10


def test_it_answers_an_empty_array_past_the_end(graphene_lab, alice_token, api):
    make_groups(graphene_lab, 5)
    for page in (2, 3, 10**30):
        response = api("/v1/groups", alice_token, page=page)
        assert response.status_code == 200
        assert response.json() == []
        assert response["X-Total-Records"] == "5"
        assert response["X-Current-Page"] == str(page)
        assert page_of(links(response)["last"]) == (1, 100)
        assert "next" not in links(response)


def test_it_caps_per_page_at_100_and_says_so(graphene_lab, alice_token, api):
    make_groups(graphene_lab, 150)
    for per_page in (101, 1000, 10**40):
        response = api("/v1/groups", alice_token, per_page=per_page)
        assert response.status_code == 200
        assert len(response.json()) == 100
        assert response["X-Per-Page"] == "100"
        assert page_of(links(response)["next"]) == (2, 100)


def test_it_serves_one_record_per_page(graphene_lab, alice_token, api):
    expected = make_groups(graphene_lab, 3)
    response = api("/v1/groups", alice_token, per_page=1, page=2)
    assert [g["id"] for g in response.json()] == [expected[1]]
    assert {rel: page_of(url) for rel, url in links(response).items()} == {
        "first": (1, 1),
        "prev": (1, 1),
        "next": (3, 1),
        "last": (3, 1),
    }


def test_it_keeps_the_other_parameters_in_its_links(world, alice_token, api):
    response = api(
        "/v1/bookings",
        alice_token,
        per_page=1,
        status="booked,completed",
        provider_account=world.graphene_lab.id,
    )
    for url in links(response).values():
        assert "status=booked%2Ccompleted" in url
        assert f"provider_account={world.graphene_lab.id}" in url
        assert url.startswith("http://testserver/v1/bookings?")

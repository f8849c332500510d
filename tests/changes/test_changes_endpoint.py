"""GET /v1/changes: the record of changes as the token sees it, against the contract."""

from datetime import timedelta

import pytest
from django.utils import timezone

from labshare.accounts.models import Membership
from labshare.bookings.services import request_booking
from labshare.changes.feed import EXPANSIONS, Position, encode_cursor
from labshare.changes.models import Change
from labshare.changes.services import prune_changes
from labshare.equipment.models import Equipment
from labshare.oauth.models import SCOPES, Authorisation
from labshare.oauth.tokens import issue_tokens
from tests.api.contract import assert_matches_contract
from tests.bookings.fixtures import slot

# A reader sees committed transactions only (on PostgreSQL, those older than any running).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def changes(client):
    """GET /v1/changes with a token, checked against openapi.yaml."""

    def get(token: str, **query):
        response = client.get("/v1/changes", query, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert_matches_contract(response, "/changes")
        return response

    return get


@pytest.fixture
def follow(changes):
    """Every change after the cursor, page after page: (changes, the last cursor)."""

    def read(token: str, cursor: str, **query) -> tuple[list[dict], str]:
        seen = []
        while True:
            body = changes(token, after=cursor, **query).json()
            seen += body["changes"]
            cursor = body["cursor"]
            if not body["has_more"]:
                return seen, cursor

    return read


def now(changes, token: str) -> str:
    body = changes(token).json()
    assert body["changes"] == [] and body["has_more"] is False
    return body["cursor"]


def summary(seen: list[dict]) -> list[tuple]:
    return [(c["type"], c["id"], c["action"]) for c in seen]


def test_it_follows_writes_with_each_record_as_its_detail(
    changes, follow, client, alice_token, microscope, bob
):
    cursor = now(changes, alice_token)
    start, end = slot()
    booking = request_booking(equipment=microscope, start=start, end=end, requester=bob)
    seen, cursor = follow(alice_token, cursor)
    assert summary(seen) == [("bookings", booking.pk, "created")]
    detail = client.get(f"/v1/bookings/{booking.pk}", HTTP_AUTHORIZATION=f"Bearer {alice_token}")
    assert seen[0]["record"] == detail.json()
    assert follow(alice_token, cursor)[0] == []


def test_another_lab_s_writes_are_not_seen(changes, follow, bob_token, microscope, chemistry_lab):
    cursor = now(changes, bob_token)
    microscope.name = "Renamed"
    microscope.save()
    Equipment.objects.create(lab=chemistry_lab, name="NMR")
    seen, _ = follow(bob_token, cursor)
    assert [(c["type"], c["record"]["name"]) for c in seen] == [("equipment", "NMR")]


def test_a_deletion_is_read_without_a_record(changes, follow, alice_token, microscope):
    cursor = now(changes, alice_token)
    pk = microscope.pk
    microscope.delete()
    seen, _ = follow(alice_token, cursor)
    assert seen == [
        {
            "cursor": seen[0]["cursor"],
            "type": "equipment",
            "id": pk,
            "action": "deleted",
            "occurred_at": seen[0]["occurred_at"],
        }
    ]


def test_types_the_scopes_cannot_read_are_left_out_or_refused(
    changes, follow, alice, alice_app, graphene_lab
):
    token = issue_tokens(alice, alice_app, [graphene_lab], ["read_equipment"])["access_token"]
    cursor = now(changes, token)
    Equipment.objects.create(lab=graphene_lab, name="Balance")
    alice.first_name = "Alicia"
    alice.save()
    seen, _ = follow(token, cursor)
    assert [c["type"] for c in seen] == ["equipment"]
    refused = changes(token, after=cursor, types="equipment,bookings")
    assert refused.status_code == 403
    assert refused.json()["scope"] == "read_bookings"


def test_the_user_reads_their_own_record(changes, follow, alice_token, alice, bob):
    cursor = now(changes, alice_token)
    bob.last_name = "Baker-Smith"
    bob.save()
    alice.last_name = "Archer-Jones"
    alice.save()
    seen, _ = follow(alice_token, cursor, types="users")
    assert summary(seen) == [("users", alice.pk, "updated")]
    assert seen[0]["record"] == {"id": alice.pk, "first_name": "Alice", "last_name": "Archer-Jones"}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"types": "bookings,rooms"}, "types"),
        ({"types": ""}, "types"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"after": "not a cursor"}, "after"),
        ({"after": "MS4yLjM"}, "after"),  # "1.2.3"
    ],
)
def test_bad_parameters_are_a_400_naming_them(changes, alice_token, query, parameter):
    response = changes(alice_token, **query)
    assert response.status_code == 400
    body = response.json()
    assert (body["error"], body["parameter"]) == ("invalid_parameter", parameter)
    if parameter == "types" and query["types"]:
        assert "'rooms'" in body["error_description"]


def test_it_needs_a_token(client):
    response = client.get("/v1/changes")
    assert response.status_code == 401


def test_a_cursor_older_than_the_retention_is_gone_with_where_to_go_on(
    changes, follow, alice_token, graphene_lab, settings
):
    settings.CHANGES_RETENTION_DAYS = 30
    old_cursor = now(changes, alice_token)
    Equipment.objects.create(lab=graphene_lab, name="Old balance")
    Change.objects.update(occurred_at=timezone.now() - timedelta(days=31))
    kept = Equipment.objects.create(lab=graphene_lab, name="New balance")
    assert prune_changes() >= 1
    gone = changes(alice_token, after=old_cursor)
    assert gone.status_code == 410
    body = gone.json()
    assert body["error"] == "cursor_expired"
    assert "lists" in body["error_description"]
    kept.name = "Newer balance"
    kept.save()
    seen, _ = follow(alice_token, body["cursor"])
    assert summary(seen) == [("equipment", kept.pk, "updated")]


def test_labs_added_to_the_authorisation_read_as_their_records_created_and_removed_as_deleted(
    client, changes, follow, alice, alice_app, graphene_lab, optics_lab, physics
):
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    token = issue_tokens(alice, alice_app, [graphene_lab], SCOPES)["access_token"]
    cursor = now(changes, token)
    authorisation = Authorisation.objects.get(user=alice, application=alice_app)
    # The department and organisation are seen through the Graphene Lab all along: they stay,
    # and list the labs the token sees.
    stay = [("accounts", physics.organisation_id, "updated"), ("accounts", physics.pk, "updated")]
    for change, comes_or_goes in (
        (authorisation.labs.add, "created"),
        (authorisation.labs.remove, "deleted"),
    ):
        change(optics_lab)
        seen, cursor = follow(token, cursor, types="equipment,accounts")
        assert summary(seen) == [
            *stay,
            ("accounts", optics_lab.pk, comes_or_goes),
            ("equipment", laser.pk, comes_or_goes),
        ]
        for account in seen[:2]:
            detail = client.get(f"/v1/accounts/{account['id']}", HTTP_AUTHORIZATION=f"Bearer {token}")
            assert account["record"] == detail.json()
        assert ("Optics Lab" in str(seen[1]["record"])) == (comes_or_goes == "created")


def test_leaving_a_lab_reads_as_its_records_deleted(changes, follow, alice, alice_token, optics_lab):
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    cursor = now(changes, alice_token)
    Membership.objects.filter(user=alice, lab=optics_lab).delete()
    seen, _ = follow(alice_token, cursor, types="equipment")
    assert summary(seen) == [("equipment", laser.pk, "deleted")]


def test_a_record_deleted_or_moved_before_the_reader_leaves_its_lab_reads_as_deleted(
    changes, follow, alice, alice_token, optics_lab, chemistry_lab
):
    """Read after the user left, the lab holds neither: only their own changes say they went."""
    laser, lens, prism = (
        Equipment.objects.create(lab=optics_lab, name=name) for name in ("Laser", "Lens", "Prism")
    )
    cursor = now(changes, alice_token)
    laser_id = laser.pk
    laser.delete()
    lens.lab = chemistry_lab
    lens.save()
    Membership.objects.filter(user=alice, lab=optics_lab).delete()
    seen, _ = follow(alice_token, cursor, types="equipment")
    assert summary(seen) == [
        ("equipment", laser_id, "deleted"),
        ("equipment", lens.pk, "deleted"),
        ("equipment", prism.pk, "deleted"),
    ]


@pytest.mark.parametrize("limit", [1, 100])
def test_a_record_deleted_after_the_reader_leaves_its_lab_reads_as_deleted_however_the_pages_cut(
    changes, follow, alice, alice_token, optics_lab, limit
):
    """The lab's expansion no longer holds it: its own deletion, read on a later page than the
    loss when the expansion is cut, says it went."""
    laser, lens, prism = (
        Equipment.objects.create(lab=optics_lab, name=name) for name in ("Laser", "Lens", "Prism")
    )
    cursor = now(changes, alice_token)
    Membership.objects.filter(user=alice, lab=optics_lab).delete()
    laser_id = laser.pk
    laser.delete()
    seen, _ = follow(alice_token, cursor, types="equipment", limit=limit)
    assert summary(seen) == [
        ("equipment", lens.pk, "deleted"),
        ("equipment", prism.pk, "deleted"),
        ("equipment", laser_id, "deleted"),
    ]


def test_deletions_in_labs_the_reader_never_had_stay_unseen(changes, follow, alice_token, bob, chemistry_lab):
    nmr = Equipment.objects.create(lab=chemistry_lab, name="NMR")
    cursor = now(changes, alice_token)
    nmr.delete()
    Membership.objects.filter(user=bob, lab=chemistry_lab).delete()
    assert follow(alice_token, cursor, types="equipment")[0] == []


def test_an_expansion_is_cut_into_pages_without_skipping(
    changes, follow, alice, alice_app, graphene_lab, optics_lab
):
    made = [Equipment.objects.create(lab=optics_lab, name=f"Lens {n}") for n in range(5)]
    token = issue_tokens(alice, alice_app, [graphene_lab], SCOPES)["access_token"]
    cursor = now(changes, token)
    Authorisation.objects.get(user=alice, application=alice_app).labs.add(optics_lab)
    seen, _ = follow(token, cursor, types="equipment", limit=2)
    assert summary(seen) == [("equipment", e.pk, "created") for e in made]


def test_a_user_deactivated_reads_nothing(changes, follow, alice, alice_token, graphene_lab):
    cursor = now(changes, alice_token)
    alice.is_active = False
    alice.save()
    Equipment.objects.create(lab=graphene_lab, name="Balance")
    assert changes(alice_token, after=cursor).status_code == 401


@pytest.mark.parametrize("user_leaves_first", [True, False])
def test_a_lab_that_leaves_both_the_authorisation_and_the_user_reads_as_deleted_once(
    changes, follow, alice, alice_app, alice_token, optics_lab, user_leaves_first
):
    laser = Equipment.objects.create(lab=optics_lab, name="Laser")
    cursor = now(changes, alice_token)
    leave = Membership.objects.filter(user=alice, lab=optics_lab).delete
    unauthorise = Authorisation.objects.get(user=alice, application=alice_app).labs.remove
    if user_leaves_first:
        leave()
        unauthorise(optics_lab)
    else:
        unauthorise(optics_lab)
        leave()
    seen, _ = follow(alice_token, cursor, types="equipment")
    assert summary(seen) == [("equipment", laser.pk, "deleted")]


def test_a_cursor_made_up_to_name_another_user_s_access_change_shows_nothing(
    changes, follow, bob, alice_token, chemistry_lab
):
    nmr = Equipment.objects.create(lab=chemistry_lab, name="NMR")
    bob_joined = Change.objects.filter(type="memberships", record_id=bob.pk).latest("id")
    equipment_of_the_lab = EXPANSIONS.index(next(e for e in EXPANSIONS if e[0] == "equipment"))
    forged = encode_cursor(Position(bob_joined.txid, bob_joined.id, (equipment_of_the_lab, 0)))
    seen, _ = follow(alice_token, forged, types="equipment")
    assert nmr.pk not in [c["id"] for c in seen]


def test_after_a_prune_that_leaves_nothing_a_new_cursor_is_followed(
    changes, follow, alice_token, graphene_lab, settings
):
    settings.CHANGES_RETENTION_DAYS = 30
    Equipment.objects.create(lab=graphene_lab, name="Old balance")
    Change.objects.update(occurred_at=timezone.now() - timedelta(days=31))
    assert prune_changes() >= 1
    cursor = now(changes, alice_token)
    assert changes(alice_token, after=cursor).status_code == 200
    made = Equipment.objects.create(lab=graphene_lab, name="New balance")
    assert summary(follow(alice_token, cursor)[0]) == [("equipment", made.pk, "created")]

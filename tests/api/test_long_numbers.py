"""Numbers longer than Python reads (over 4,300 digits) are a clear 4xx, never a 500."""

import pytest

LONG = "9" * 5000

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path, status, parameter",
    [
        (f"/v1/bookings?per_page={LONG}", 400, "per_page"),
        (f"/v1/bookings?page={LONG}", 400, "page"),
        (f"/v1/changes?limit={LONG}", 400, "limit"),
        (f"/v1/bookings/{LONG}", 404, "id"),
    ],
)
def test_a_number_of_thousands_of_digits_is_refused_naming_it(client, alice_token, path, status, parameter):
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {alice_token}")
    assert response.status_code == status
    assert response.json()["parameter"] == parameter

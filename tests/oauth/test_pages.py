"""The base layout: a nav, and the stylesheet served (by whitenoise) from src/labshare/static."""

from django.contrib.staticfiles import finders


def test_it_links_the_stylesheet_and_the_nav(client, alice):
    client.force_login(alice)
    html = client.get("/oauth/authorized_applications").content.decode()
    assert '<link rel="stylesheet" href="/static/labshare.css">' in html
    assert '<nav aria-label="Main">' in html


def test_it_finds_the_stylesheet():
    # Needs STATICFILES_DIRS = [BASE_DIR / "static"] in settings.py.
    assert finders.find("labshare.css"), "src/labshare/static is not in STATICFILES_DIRS"

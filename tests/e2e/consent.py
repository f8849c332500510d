"""Sign in and consent over plain HTTP, as a browser without JavaScript would."""

from html.parser import HTMLParser

import httpx

from tests.conftest import PASSWORD


class FormInputs(HTMLParser):
    """The hidden inputs of the first form that has them (the consent form's DOT fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.values.setdefault(attributes["name"], attributes.get("value") or "")


def hidden_inputs(html: str) -> dict[str, str]:
    parser = FormInputs()
    parser.feed(html)
    return parser.values


def signed_in_browser(server: str, email: str, password: str = PASSWORD) -> httpx.Client:
    browser = httpx.Client(base_url=server)
    page = browser.get("/login")
    token = hidden_inputs(page.text)["csrfmiddlewaretoken"]
    answer = browser.post(
        "/login", data={"username": email, "password": password, "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302, answer.text
    return browser


def approve(browser: httpx.Client, authorization_url: str, labs: list[int]) -> str:
    """Post the consent form as the user would; return the callback URL with the code."""
    page = browser.get(authorization_url)
    assert page.status_code == 200, page.text
    answer = browser.post(
        "/oauth/authorize", data={**hidden_inputs(page.text), "labs": labs, "allow": "true"}
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]

"""Errors the SDK raises; each message says what to do next."""


class LabshareClientError(Exception):
    """Base class for the client toolkit's errors."""


class ReconnectRequired(LabshareClientError):
    """The refresh token is missing, expired or revoked: the user has to sign in again."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{reason} Please re-connect: run `labshare login`.")


class ApiError(LabshareClientError):
    """The API answered with an error status after any retries."""

    def __init__(self, status: int, url: str, body: str) -> None:
        self.status = status
        self.url = url
        self.body = body
        super().__init__(f"{url} answered {status}: {body[:300]}")

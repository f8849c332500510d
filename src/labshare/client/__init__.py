"""The Labshare client toolkit: an SDK for the Calira-compatible API, with no Django import.

from labshare.client import Client
client = Client.from_store()            # the connection `labshare login` saved
for booking in client.bookings():       # every page, fetched concurrently
    ...
"""

from labshare.client.api import Client
from labshare.client.config import Endpoints, client_home
from labshare.client.errors import ApiError, LabshareClientError, ReconnectRequired
from labshare.client.tokens import Credentials, TokenStore

__all__ = [
    "ApiError",
    "Client",
    "Credentials",
    "Endpoints",
    "LabshareClientError",
    "ReconnectRequired",
    "TokenStore",
    "client_home",
]

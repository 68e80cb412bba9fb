"""Talking to Fiken (API v2): credentials, the paced and retrying client, connection checks.

settlement.wiring.fiken_client(settings) builds the client; see docs/fiken.md.
"""

from settlement.targets.fiken.client import Company, FikenClient, FikenUser
from settlement.targets.fiken.errors import (
    AmbiguousResult,
    AuthenticationError,
    FikenConnectionError,
    FikenError,
    ForbiddenError,
    ModuleNotActive,
    NotFoundError,
    RateLimited,
    ReconnectRequired,
    ServerError,
    UnexpectedResponse,
    ValidationError,
)
from settlement.targets.fiken.markers import is_ours

__all__ = [
    "AmbiguousResult", "AuthenticationError", "Company", "FikenClient", "FikenConnectionError", "FikenError",
    "FikenUser", "ForbiddenError", "ModuleNotActive", "NotFoundError", "RateLimited", "ReconnectRequired",
    "ServerError", "UnexpectedResponse", "ValidationError", "is_ours",
]

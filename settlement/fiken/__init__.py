"""Talking to Fiken (API v2): credentials, the paced and retrying client, connection checks.

Start from `settlement.fiken.configure.client_from_settings(settings)`; see docs/fiken.md.
"""

from settlement.fiken.client import Company, FikenClient, FikenUser
from settlement.fiken.errors import (
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
from settlement.fiken.markers import is_ours

__all__ = [
    "AmbiguousResult", "AuthenticationError", "Company", "FikenClient", "FikenConnectionError", "FikenError",
    "FikenUser", "ForbiddenError", "ModuleNotActive", "NotFoundError", "RateLimited", "ReconnectRequired",
    "ServerError", "UnexpectedResponse", "ValidationError", "is_ours",
]

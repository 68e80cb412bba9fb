"""What can go wrong talking to Tripletex, as a small tree of exception types.

Messages name the request (method and path) and Tripletex's own words; none ever contains a token.
`ValidationError.messages` keeps Tripletex's validationMessages ({field, message, path}) so the
target can name the voucher line each one came from.
"""

from __future__ import annotations

from settlement.targets.http import LedgerClientError


class TripletexError(LedgerClientError):
    """Base of every error raised by the Tripletex client.

    Attributes:
        method / url: the failing request ("" when none was involved); url has no query string.
        status: the HTTP status, or None when no answer arrived.
        detail: Tripletex's message (message, developerMessage, validation messages), shortened.
        request_id: Tripletex's x-tlx-request-id (else the X-Request-ID we sent), for support.
    """

    def __init__(self, message: str, *, messages: list[dict] | None = None, **request):
        super().__init__(message, **request)
        self.messages = list(messages or [])


class MissingCredential(TripletexError):
    """A consumer or employee token is not configured; the message names the settings."""


class AuthenticationError(TripletexError):
    """401, or the session token could not be created: the tokens were refused."""


class ForbiddenError(TripletexError):
    """403: the employee token may not do this (missing entitlement or company access)."""


class ValidationError(TripletexError):
    """400/409/422: Tripletex refused the content; `messages` carries its validationMessages."""


class NotFoundError(TripletexError):
    """404: no such object (or path) for this company."""


class RateLimited(TripletexError):
    """429 answers kept coming after every retry."""


class ServerError(TripletexError):
    """5xx answers kept coming after every retry of a read."""


class TripletexConnectionError(TripletexError):
    """No answer at all: connection refused, DNS, TLS, or a timeout on a read."""


class AmbiguousResult(TripletexError):
    """A write (POST/PUT/DELETE) may or may not have taken effect: the answer was lost or was a 5xx.
    Never retried: look the voucher up by its key first."""


class UnexpectedResponse(TripletexError):
    """An answer the API does not document (other status, no JSON where one is due)."""

"""What can go wrong talking to Fiken, as a small tree of exception types.

These are infrastructure failures (the network, the credential, Fiken's answer), so they are
exceptions, not `Problem` values. Each message names the request (method and URL path) and the cause
in plain words; none ever contains a token.
"""

from __future__ import annotations

from settlement.targets.http import LedgerClientError


class FikenError(LedgerClientError):
    """Base of every error raised by the Fiken client.

    Attributes:
        method: the HTTP method of the failing request ("" when no request was involved).
        url: the URL without query string ("" when no request was involved).
        status: the HTTP status, or None when no answer arrived.
        detail: Fiken's own message (or the body text), shortened; "" when there was none.
        request_id: the X-Request-ID we sent, to quote when asking Fiken support.
    """


class AuthenticationError(FikenError):
    """401: the token was refused (wrong, expired or revoked)."""


class ReconnectRequired(AuthenticationError):
    """The OAuth grant is gone (revoked, refresh refused, or no token stored): run `settlement connect`."""


class ForbiddenError(FikenError):
    """403: the credential may not do this (for example the company is not shared with the app)."""


class ModuleNotActive(ForbiddenError):
    """402, or 403 naming a module: a paid Fiken module (API, projects) is not active on the company."""


class ValidationError(FikenError):
    """400 (or 409/415): Fiken refused the content; `detail` carries Fiken's message."""


class NotFoundError(FikenError):
    """404: the company slug, account or resource does not exist (for this credential)."""


class RateLimited(FikenError):
    """429 answers kept coming after every retry."""


class ServerError(FikenError):
    """5xx answers kept coming after every retry (GET), or Fiken failed on a read."""


class FikenConnectionError(FikenError):
    """No answer at all: connection refused, DNS failure, TLS failure or a timeout on a read."""


class AmbiguousResult(FikenError):
    """A non-idempotent request (POST/PATCH) may or may not have taken effect.

    Raised when the request was sent but the answer was lost (read timeout, connection dropped) or
    was a 5xx. The client never retries these: the caller must look in Fiken (for example by the
    marker in the description) before trying again, or it may book twice.
    """


class UnexpectedResponse(FikenError):
    """Fiken answered in a way the API does not document (other status, missing Location header)."""

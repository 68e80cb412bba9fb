"""What can go wrong talking to PowerOffice Go, as a small tree of exception types.

Infrastructure failures (network, credential, Go's answer) are exceptions, not `Problem` values.
Each message names the request (method and path) and the cause; none ever contains a key or token.
"""

from __future__ import annotations

from settlement.targets.http import LedgerClientError


class PowerOfficeError(LedgerClientError):
    """Base of every error raised by the PowerOffice client.

    Attributes:
        method / url: the failing request ("" when no request was involved); url has no query.
        status: the HTTP status, or None when no answer arrived.
        detail: Go's own message (ProblemDetails Title and Detail, or the gateway's message), shortened.
        problem: the ProblemDetails body as Go sent it (None when there was none), to name fields.
        request_id: the X-Request-ID we sent, to quote when asking PowerOffice support.
    """

    def __init__(self, message: str, *, problem: dict | None = None, **request):
        super().__init__(message, **request)
        self.problem = problem


class AuthenticationError(PowerOfficeError):
    """The keys or the token were refused (token endpoint 400 invalid_client, API 401)."""


class MissingCredential(AuthenticationError):
    """A key is not configured; the message names the settings to set."""


class ForbiddenError(PowerOfficeError):
    """403: the integration lacks a privilege on this client (Go sends an empty body)."""


class ValidationError(PowerOfficeError):
    """400 (or 404 on a write): Go refused the content; `problem` carries its ProblemDetails."""


class DuplicateReference(ValidationError):
    """Go refused a voucher because its ExternalImportReference is already on the client."""


class AlreadyReversed(ValidationError):
    """Go refused a reversal because the voucher is already reversed."""


class NotFoundError(PowerOfficeError):
    """404 on a read: the voucher or object does not exist for this integration."""


class RateLimited(PowerOfficeError):
    """429 answers kept coming after every retry."""


class ServerError(PowerOfficeError):
    """5xx answers kept coming after every retry (reads)."""


class PowerOfficeConnectionError(PowerOfficeError):
    """No answer at all: connection refused, DNS, TLS, or a timeout on a read."""


class AmbiguousResult(PowerOfficeError):
    """A write (POST/PUT) may or may not have taken effect: the answer was lost or was a 5xx.
    Never retried by the client; look the voucher up by its reference first."""


class UnexpectedResponse(PowerOfficeError):
    """Go answered in a way its API does not document."""

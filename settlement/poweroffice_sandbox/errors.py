"""The sandbox's error answers: ProblemDetails for the API, the gateway's own bodies for 401/429.

PowerOffice's spec gives `ProblemDetails` (Type, Title, Status, Detail, Instance) for 400 and 404,
with the example {"detail": "… not found.", "title": "Object(s) not found"}. Which Title and Detail
real Go sends for a duplicate reference, a lock-date violation or an unbalanced voucher is not
documented (UNCERTAIN, docs/poweroffice-sandbox.md). The sandbox names the offending field the
ASP.NET way, "VoucherLines[2].VatId", in Detail and in an `Errors` extension member.
"""

from __future__ import annotations

PROBLEM_TYPES = {
    400: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
}


class ApiProblem(Exception):
    """Raised by a handler: answered as a ProblemDetails body (or an empty body when `body` is False)."""

    def __init__(self, status: int, title: str, detail: str = "", field: str | None = None,
                 headers: dict[str, str] | None = None, body: bool = True):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.field = status, title, detail, field
        self.headers = headers or {}
        self.body = body

    def problem(self, instance: str) -> dict | None:
        if not self.body:
            return None
        problem = {"Type": PROBLEM_TYPES.get(self.status, "about:blank"), "Title": self.title,
                   "Status": self.status, "Detail": self.detail or self.title, "Instance": instance}
        if self.field:
            problem["Errors"] = {self.field: [self.detail or self.title]}
        return problem


def not_found(what: str, field: str | None = None) -> ApiProblem:
    where = f" ({field})" if field else ""
    return ApiProblem(404, "Object(s) not found", f"{what} not found.{where}", field)


def invalid(detail: str, field: str | None = None, title: str = "Validation failed") -> ApiProblem:
    where = f" ({field})" if field else ""
    return ApiProblem(400, title, f"{detail}{where}", field)


class GatewayError(Exception):
    """An answer of the API gateway in front of Go (Azure API Management): {"statusCode", "message"}."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}

    def body(self) -> dict:
        return {"statusCode": self.status, "message": self.message}


MISSING_SUBSCRIPTION_KEY = ("Access denied due to missing subscription key. Make sure to include subscription key "
                            "when making requests to an API.")
INVALID_SUBSCRIPTION_KEY = ("Access denied due to invalid subscription key. Make sure to provide a valid key for an "
                            "active subscription.")
RATE_LIMITED = "Rate limit is exceeded. Try again in 1 seconds."

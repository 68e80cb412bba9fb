"""The one exception the sandbox's request handlers raise to answer with an HTTP error."""

from __future__ import annotations


class ApiError(Exception):
    """An HTTP error answer: status, a human message and optional extra response headers.

    `error` is the short machine-readable kind put in the body's "error" key (see body_shape in
    server.py); it defaults to the status's reason phrase.
    """

    def __init__(self, status: int, message: str, *, error: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error
        self.headers = dict(headers or {})


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str = "Not found") -> ApiError:
    return ApiError(404, message)

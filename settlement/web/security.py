"""The headers every answer carries: a strict Content-Security-Policy (no script at all, styles
only from our own stylesheet), no framing, no sniffing, no referrer to other sites, no caching of pages."""

from __future__ import annotations

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with our own forms.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def secure(response, *, cache: bool = False):
    """The response with the security headers (pages and PDFs are never cached; the stylesheet may be)."""
    for name, value in HEADERS.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "public, max-age=3600" if cache else "no-store"
    return response


def same_origin(origin: str | None, host: str | None) -> bool:
    """Whether a POST's Origin header (when the browser sends one) names this host."""
    if not origin:
        return True  # older clients send none; the CSRF token still has to match
    if origin == "null" or not host:
        return False
    return origin.split("://", 1)[-1].rstrip("/") == host

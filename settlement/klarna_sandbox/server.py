"""A sandbox Klarna Settlements API v1: a real HTTP server on 127.0.0.1 that stops by itself.

Serves, below /settlements/v1: GET /payouts (start_date, end_date, currency_code, size ≤ 500,
offset; `pagination` with count, total, offset, next, prev), GET /payouts/{payment_reference},
GET /payouts/summary and GET /transactions (payment_reference or order_id, size, offset), in the
shapes of klarna-settlements-api-openapi.yml. HTTP Basic with the sandbox's username and password;
errors in Klarna's envelope (error_code, error_messages, correlation_id). Faults (settlement.sandbox_kit
Faults) apply to every request. Every request is in the request log.

    with KlarnaSandbox.start(max_seconds=60) as klarna:
        klarna.settlements.add_payout(date(2026, 11, 4), [(49900, "1001")])
"""

from __future__ import annotations

import base64
import secrets
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

from settlement.sandbox_kit.lifetime import SandboxLifetime
from settlement.sandbox_kit.server import LoopbackServer, RecordingHandler
from settlement.klarna_sandbox.state import Settlements

DEFAULT_MAX_SECONDS = 600.0
API_PREFIX = "/settlements/v1"
MAX_SIZE = 500


class KlarnaSandbox(SandboxLifetime):
    """The Settlements API's state and server."""

    api_prefix = API_PREFIX

    def __init__(self, server: "_Server", max_seconds: float) -> None:
        self._serve_in_thread(server, max_seconds, "klarna-sandbox")
        self.server = server
        server.settlements.api_url = server.root_url + API_PREFIX

    @classmethod
    def start(cls, port: int = 0, max_seconds: float = DEFAULT_MAX_SECONDS) -> "KlarnaSandbox":
        """Start serving on 127.0.0.1:port (0: any free port); stops by itself after max_seconds."""
        sandbox = cls(_Server(port), max_seconds)
        sandbox._launch()
        return sandbox

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIX

    @property
    def settlements(self) -> Settlements:
        return self.server.settlements

    @property
    def username(self) -> str:
        return self.server.username

    @property
    def password(self) -> str:
        return self.server.password


class _Server(LoopbackServer):
    def __init__(self, port: int) -> None:
        super().__init__(port, _Handler)
        self.settlements = Settlements()
        self.username = f"N100123_{secrets.token_hex(4)}"
        self.password = secrets.token_urlsafe(16)


def _error(code: str, *messages: str) -> dict:
    return {"error_code": code, "error_messages": list(messages), "correlation_id": secrets.token_hex(16)}


class _Handler(RecordingHandler):
    server: _Server

    def _handle(self) -> None:
        arrived = time.monotonic()
        path, query = self._target()
        raw = self._read_body(refuse_chunked=False)
        status, body, headers = self._answer(path, query)
        drop = status == 200 and self.server.faults.take_drop(self.command, path)
        self._record_and_answer(path, query, raw, None, arrived, drop, status, body, headers,
                                "application/json; charset=utf-8")

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user, self.server.username) and secrets.compare_digest(password, self.server.password)

    def _answer(self, path: str, query: dict) -> tuple[int, dict, dict]:
        if not self._authorized():
            return 401, _error("UNAUTHORIZED", "Invalid credentials"), {"WWW-Authenticate": 'Basic realm="Klarna"'}
        injected = self.server.faults.before_acting()
        if injected:
            status, headers = injected
            code = "TOO_MANY_REQUESTS" if status == 429 else "INTERNAL_SERVER_ERROR"
            return status, _error(code, f"injected HTTP {status}"), headers
        if not path.startswith(API_PREFIX + "/"):
            return 404, _error("NOT_FOUND", f"no route {path}"), {}
        route = path[len(API_PREFIX):]
        settlements = self.server.settlements
        with settlements.lock:
            if route == "/payouts":
                return self._page(route, query, self._payouts(query), "payouts")
            if route == "/payouts/summary":
                return self._summary(query)
            if route.startswith("/payouts/"):
                reference = route.removeprefix("/payouts/")
                found = next((p for p in settlements.payouts if p["payment_reference"] == reference), None)
                if found is None:
                    return 404, _error("NOT_FOUND", f"no payout {reference}"), {}
                return 200, found, {}
            if route == "/transactions":
                wanted = [t for t in settlements.transactions
                          if (not query.get("payment_reference") or t.get("payment_reference") == query["payment_reference"])
                          and (not query.get("order_id") or t.get("order_id") == query["order_id"])]
                return self._page(route, query, wanted, "transactions")
        return 404, _error("NOT_FOUND", f"no route {path}"), {}

    def _payouts(self, query: dict) -> list[dict]:
        found = list(self.server.settlements.payouts)
        start, end = _moment(query.get("start_date")), _moment(query.get("end_date"))
        if start:
            found = [p for p in found if _moment(p["payout_date"]) >= start]
        if end:
            found = [p for p in found if _moment(p["payout_date"]) <= end]
        if query.get("currency_code"):
            found = [p for p in found if p["currency_code"] == query["currency_code"]]
        return sorted(found, key=lambda p: p["payout_date"])

    def _page(self, route: str, query: dict, items: list[dict], key: str) -> tuple[int, dict, dict]:
        size_text, offset_text = query.get("size", "20"), query.get("offset", "0")
        if not size_text.isdigit() or not offset_text.isdigit() or not 1 <= int(size_text) <= MAX_SIZE:
            return 400, _error("BAD_REQUEST", f"size must be 1..{MAX_SIZE} and offset ≥ 0"), {}
        size, offset = int(size_text), int(offset_text)
        page = items[offset:offset + size]
        pagination: dict = {"count": len(page), "total": len(items), "offset": offset}
        base = self.server.settlements.api_url + route
        if offset + size < len(items):
            pagination["next"] = f"{base}?{urlencode({**query, 'offset': offset + size, 'size': size})}"
        if offset > 0:
            pagination["prev"] = f"{base}?{urlencode({**query, 'offset': max(offset - size, 0), 'size': size})}"
        return 200, {key: page, "pagination": pagination}, {}

    def _summary(self, query: dict) -> tuple[int, dict, dict]:
        if not query.get("start_date") or not query.get("end_date"):
            return 400, _error("BAD_REQUEST", "start_date and end_date are required"), {}
        payouts = self._payouts(query)
        fields = ("fee_correction_amount", "release_amount", "tax_amount", "settlement_amount", "holdback_amount",
                  "reversal_amount", "return_amount", "fee_amount", "commission_amount", "sale_amount", "repay_amount")
        by_currency: dict[str, dict] = {}
        for payout in payouts:
            total = by_currency.setdefault(payout["currency_code"], {
                **{f"summary_total_{f}": 0 for f in fields}, "summary_settlement_currency": payout["currency_code"],
                "summary_payout_date_start": query["start_date"], "summary_payout_date_end": query["end_date"]})
            for f in fields:
                total[f"summary_total_{f}"] += payout["totals"][f]
        return 200, list(by_currency.values()), {}  # type: ignore[return-value]


def _moment(text: str | None) -> datetime | None:
    """A query or payout date-time; a bare date is its midnight UTC, as Klarna reads one."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment

"""The Stripe sandbox's HTTP API: GET /v1/payouts, /v1/payouts/{id} and /v1/balance_transactions,
with Stripe's error envelope ({"error": {"type", "message"}}) and its list object
({"object": "list", "data", "has_more", "url"})."""

from __future__ import annotations

import copy
import time

from settlement.sandbox_kit.server import LoopbackServer, RecordingHandler, bearer_token
from settlement.stripe_sandbox.state import StripeState

MAX_LIMIT = 100


class StripeServer(LoopbackServer):
    def __init__(self, port: int, state: StripeState, secret_key: str) -> None:
        super().__init__(port, StripeHandler)
        self.state, self.secret_key = state, secret_key


def _error(status: int, kind: str, message: str) -> tuple[int, dict]:
    return status, {"error": {"type": kind, "message": message}}


def _page(items: list[dict], query: dict, url: str) -> tuple[int, dict]:
    """One page of a list: `limit` (1–100, default 10) after `starting_after`."""
    try:
        limit = int(query.get("limit", 10))
    except ValueError:
        return _error(400, "invalid_request_error", "Invalid integer: limit")
    if not 1 <= limit <= MAX_LIMIT:
        return _error(400, "invalid_request_error", "This value must be between 1 and 100: limit")
    start = 0
    after = query.get("starting_after")
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            return _error(400, "invalid_request_error", f"No such object: '{after}'")
        start = ids.index(after) + 1
    data = items[start:start + limit]
    return 200, {"object": "list", "data": data, "has_more": start + limit < len(items), "url": url}


class StripeHandler(RecordingHandler):
    server: StripeServer

    def _handle(self) -> None:
        arrived = time.monotonic()
        path, query = self._target()
        raw = self._read_body()
        token = bearer_token(self.headers.get("Authorization"))
        headers: dict[str, str] = {"Request-Id": f"req_sb{int(arrived * 1000)}"}
        if token != self.server.secret_key:
            status, body = _error(401, "invalid_request_error",
                                  "Invalid API Key provided" if token else "You did not provide an API key.")
        else:
            early = self.server.faults.before_acting()
            if early is not None:
                status, extra = early
                headers.update(extra)
                status, body = _error(status, "api_error" if status >= 500 else "rate_limit_error",
                                      "Too many requests" if status == 429 else "Something went wrong on Stripe's end.")
            else:
                status, body = self._route(path, query)
        drop = self.server.faults.take_drop(self.command, path)
        self._record_and_answer(path, query, raw, token, arrived, drop, status, body, headers, "application/json")

    def _route(self, path: str, query: dict) -> tuple[int, dict]:
        state = self.server.state
        with state.lock:
            if path == "/v1/payouts":
                payouts = [p for p in state.payouts
                           if int(query.get("arrival_date[gte]", 0)) <= p["arrival_date"] <= int(query.get("arrival_date[lte]", 2**40))]
                return _page(copy.deepcopy(payouts), query, "/v1/payouts")
            if path.startswith("/v1/payouts/"):
                found = next((p for p in state.payouts if p["id"] == path.rsplit("/", 1)[1]), None)
                return (200, copy.deepcopy(found)) if found else _error(404, "invalid_request_error", "No such payout")
            if path == "/v1/balance_transactions":
                payout = query.get("payout")
                if payout is None:
                    return _error(400, "invalid_request_error", "the sandbox lists balance transactions per payout only")
                if payout not in state.transactions:
                    return _error(404, "invalid_request_error", f"No such payout: '{payout}'")
                rows = copy.deepcopy(state.transactions[payout])
                if query.get("expand[]") == "data.source":
                    for row in rows:
                        if row["source"] in state.objects:
                            row["source"] = copy.deepcopy(state.objects[row["source"]])
                return _page(rows, query, "/v1/balance_transactions")
        return _error(404, "invalid_request_error", f"Unrecognized request URL (GET: {path})")

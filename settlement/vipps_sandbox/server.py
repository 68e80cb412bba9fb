"""A sandbox Vipps MobilePay Report API: a real HTTP server on 127.0.0.1 that stops by itself.

Serves POST /accesstoken/get (headers client_id, client_secret, Ocp-Apim-Subscription-Key),
GET /settlement/v1/ledgers (cursor paging), GET /report/v2/ledgers/{id}/{funds|fees}/feed (cursor;
at the end the same cursor with `tryLater: true` and no items) and
GET /report/v2/ledgers/{id}/{topic}/dates/{YYYY-MM-DD} (cursor with `hasMore`), in the shapes of
report-api-v2-swagger.yaml. Faults (settlement.sandbox_kit Faults: 429 bursts, 5xx rates, latency,
drops) apply to the API paths, not to the token endpoint. Every request is in the request log.

    with VippsSandbox.start(max_seconds=60) as vipps:
        vipps.ledgers.add_ledger("302321", "123455")
        vipps.ledgers.add_day("302321", date(2026, 11, 2), [(10000, "order-1")])
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time

from settlement.sandbox_kit.lifetime import SandboxLifetime
from settlement.sandbox_kit.server import LoopbackServer, RecordingHandler, bearer_token
from settlement.vipps_sandbox.ledger import Ledgers

DEFAULT_MAX_SECONDS = 600.0
TOKEN_PATH = "/accesstoken/get"


class VippsSandbox(SandboxLifetime):
    """The Report API's state and server: keys, tokens, ledgers, page sizes."""

    def __init__(self, server: "_Server", max_seconds: float) -> None:
        self._serve_in_thread(server, max_seconds, "vipps-sandbox")
        self.server = server

    @classmethod
    def start(cls, port: int = 0, max_seconds: float = DEFAULT_MAX_SECONDS, *, page_size: int = 1000,
              ledger_page_size: int = 1000) -> "VippsSandbox":
        """Start serving on 127.0.0.1:port (0: any free port); stops by itself after max_seconds."""
        server = _Server(port, page_size, ledger_page_size)
        sandbox = cls(server, max_seconds)
        sandbox._launch()
        return sandbox

    @property
    def ledgers(self) -> Ledgers:
        return self.server.ledgers

    @property
    def client_id(self) -> str:
        return self.server.client_id

    @property
    def client_secret(self) -> str:
        return self.server.client_secret

    @property
    def subscription_key(self) -> str:
        return self.server.subscription_key

    def revoke_tokens(self) -> None:
        """Forget every issued token (the next API call with one is answered 401)."""
        with self.server.token_lock:
            self.server.tokens.clear()


class _Server(LoopbackServer):
    def __init__(self, port: int, page_size: int, ledger_page_size: int) -> None:
        super().__init__(port, _Handler)
        self.ledgers = Ledgers()
        self.page_size, self.ledger_page_size = page_size, ledger_page_size
        self.client_id = f"client-{secrets.token_hex(4)}"
        self.client_secret = secrets.token_urlsafe(16)
        self.subscription_key = secrets.token_hex(16)
        self.tokens: set[str] = set()
        self.token_lock = threading.Lock()


def encode_cursor(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str) -> dict | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("offset"), int) else None


class _Handler(RecordingHandler):
    server: _Server

    do_POST = RecordingHandler.do_GET

    def _handle(self) -> None:
        arrived = time.monotonic()
        path, query = self._target()
        raw = self._read_body(refuse_chunked=False)
        token = bearer_token(self.headers.get("Authorization"))
        drop = False
        if path == TOKEN_PATH:
            status, body, headers = self._token()
        elif path.startswith(("/settlement/", "/report/")):
            status, body, headers = self._api(path, query, token)
            drop = status == 200 and self.server.faults.take_drop(self.command, path)
        else:
            status, body, headers = 404, _problem(404, "Not Found", f"no route {path}", path), {}
        content_type = "application/problem+json" if status >= 400 and "title" in (body or {}) else "application/json"
        self._record_and_answer(path, query, raw, token, arrived, drop, status, body, headers,
                                content_type + "; charset=utf-8")

    def _token(self) -> tuple[int, dict, dict]:
        server = self.server
        if self.command != "POST":
            return 405, {"error": "method_not_allowed", "error_description": "POST the keys as headers"}, {}
        given = (self.headers.get("client_id"), self.headers.get("client_secret"),
                 self.headers.get("Ocp-Apim-Subscription-Key"))
        if given != (server.client_id, server.client_secret, server.subscription_key):
            return 401, {"error": "unauthorized_client",
                         "error_description": "AADSTS7000215: Invalid client secret or client id provided."}, {}
        token = secrets.token_urlsafe(32)
        with server.token_lock:
            server.tokens.add(token)
        now = int(time.time())
        return 200, {"token_type": "Bearer", "expires_in": "86398", "ext_expires_in": "86398",
                     "expires_on": str(now + 86398), "not_before": str(now), "resource": "00000002-0000-0000-c000-000000000000",
                     "access_token": token}, {}

    def _api(self, path: str, query: dict, token: str | None) -> tuple[int, dict, dict]:
        server = self.server
        if self.command != "GET":
            return 405, _problem(405, "Method Not Allowed", "only GET", path), {}
        if self.headers.get("Ocp-Apim-Subscription-Key") != server.subscription_key:
            return 401, {"code": "Unauthorized", "message": "Access denied due to invalid subscription key."}, {}
        with server.token_lock:
            known = token in server.tokens
        if not known:
            return 401, {"code": "Unauthorized", "message": "Please check your API keys"}, {}
        injected = server.faults.before_acting()
        if injected:
            status, headers = injected
            if status == 429:
                return 429, _problem(429, "Too Many Requests", "rate limit exceeded", path), headers
            return status, {"errorCode": 100001, "errorMessage": "Injected server error",
                            "contextId": secrets.token_hex(8)}, headers
        parts = path.strip("/").split("/")
        with server.ledgers.lock:
            if parts == ["settlement", "v1", "ledgers"]:
                return self._ledgers(query)
            if len(parts) >= 6 and parts[:3] == ["report", "v2", "ledgers"] and parts[4] in ("funds", "fees"):
                ledger = server.ledgers.by_id.get(parts[3])
                if ledger is None:
                    return 404, _problem(404, "Not Found", f"no ledger {parts[3]}", path), {}
                feed = ledger.funds if parts[4] == "funds" else ledger.fees
                if parts[5:] == ["feed"]:
                    return self._feed(feed, query, path)
                if len(parts) == 7 and parts[5] == "dates":
                    return self._dates([e for e in feed if e.get("ledgerDate") == parts[6]], query, path)
        return 404, _problem(404, "Not Found", f"no route {path}", path), {}

    def _ledgers(self, query: dict) -> tuple[int, dict, dict]:
        items = [ledger.as_json() for ledger in self.server.ledgers.by_id.values()]
        wanted = query.get("settlesForRecipientHandles")
        if wanted:
            items = [i for i in items if wanted in i["settlesForRecipientHandles"]]
        offset = 0
        if query.get("cursor"):
            state = decode_cursor(query["cursor"])
            if state is None:
                return 400, _problem(400, "Bad Request", "invalid cursor", "/settlement/v1/ledgers"), {}
            offset = state["offset"]
        size = self.server.ledger_page_size
        page = items[offset:offset + size]
        more = offset + size < len(items)
        return 200, {"cursor": encode_cursor({"offset": offset + size}) if more else "", "items": page}, {}

    def _feed(self, feed: list[dict], query: dict, path: str) -> tuple[int, dict, dict]:
        offset = 0
        if query.get("cursor"):
            state = decode_cursor(query["cursor"])
            if state is None:
                return 400, _problem(400, "Bad Request", "invalid cursor", path), {}
            offset = state["offset"]
        page = feed[offset:offset + self.server.page_size]
        if not page:  # the end: the same cursor again, try later
            return 200, {"cursor": encode_cursor({"offset": offset}), "tryLater": True, "items": []}, {}
        return 200, {"cursor": encode_cursor({"offset": offset + len(page)}), "tryLater": False, "items": page}, {}

    def _dates(self, entries: list[dict], query: dict, path: str) -> tuple[int, dict, dict]:
        offset = 0
        if query.get("cursor"):
            state = decode_cursor(query["cursor"])
            if state is None:
                return 400, _problem(400, "Bad Request", "invalid cursor", path), {}
            offset = state["offset"]
        size = self.server.page_size
        page = entries[offset:offset + size]
        more = offset + size < len(entries)
        body = {"hasMore": more, "tryLater": not entries, "items": page}
        if more:
            body["cursor"] = encode_cursor({"offset": offset + size})
        return 200, body, {}


def _problem(status: int, title: str, detail: str, instance: str) -> dict:
    return {"type": f"https://developer.vippsmobilepay.com/problems/{status}", "title": title, "status": status,
            "detail": detail, "instance": instance}

"""A sandbox WooCommerce shop: a real HTTP server on 127.0.0.1 with the REST API v3 subset we read.

Serves GET /wp-json/wc/v3/orders (page, per_page ≤ 100, modified_after, dates_are_gmt, status,
orderby, order; X-WP-Total / X-WP-TotalPages / Link headers), /orders/{id}, /orders/{id}/refunds
and /products?include=. Authentication is HTTP Basic with the consumer key/secret (or the
consumer_key/consumer_secret query parameters). It stops by itself after `max_seconds`.

    shop = WooSandbox.start()
    order_id = shop.add_order([Item("Kaffe", "125.00", 2)], paid=moment)
    ...
    shop.stop()
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from settlement.domain.money import parse_amount
from settlement.woo_sandbox.builder import Item, build_lines, money, refund_lines, woo_dates

API = "/wp-json/wc/v3"
# Statuses `status=any` leaves out, as WooCommerce does.
_NOT_ANY = {"trash", "auto-draft", "checkout-draft"}


@dataclass(frozen=True)
class SandboxRequest:
    """A request the sandbox received: path without query, the query (last value per name)."""

    method: str
    path: str
    params: dict[str, str]
    authorized: bool


@dataclass
class _Fault:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class WooSandbox:
    """The shop's state and its server. Methods are thread-safe."""

    def __init__(self, server: ThreadingHTTPServer, tz: ZoneInfo, consumer_key: str, consumer_secret: str):
        self._server = server
        self.tz = tz
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.orders: dict[int, dict] = {}
        self.refunds: dict[int, list[dict]] = {}
        self.products: dict[int, dict] = {}
        self.requests: list[SandboxRequest] = []
        self._faults: list[_Fault] = []
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    @classmethod
    def start(cls, port: int = 0, max_seconds: float = 600, timezone_name: str = "Europe/Oslo") -> "WooSandbox":
        """Start serving on 127.0.0.1:port (0: any free port); stops by itself after max_seconds."""
        server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        server.daemon_threads = True
        shop = cls(server, ZoneInfo(timezone_name), f"ck_{secrets.token_hex(20)}", f"cs_{secrets.token_hex(20)}")
        server.shop = shop  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        shop._timer = threading.Timer(max_seconds, shop.stop)
        shop._timer.daemon = True
        shop._timer.start()
        return shop

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "WooSandbox":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    # --- shop data -------------------------------------------------------------------------------
    def next_id(self) -> int:
        return next(self._ids)

    def add_order(
        self,
        items: list[Item],
        *,
        created: datetime,
        paid: datetime | None = None,
        completed: datetime | None = None,
        status: str | None = None,
        payment_method: str = "stripe",
        shipping: tuple[str, str, str] | None = None,
        fees: list[tuple[str, str, str]] = (),
        coupon: tuple[str, int] | None = None,
        prices_include_tax: bool = True,
        number: str | None = None,
    ) -> int:
        """Add an order computed like WooCommerce does; returns its id. status defaults to
        completed/processing/pending by which of the dates are given."""
        if coupon:
            items = [Item(**{**i.__dict__, "discount": coupon[1]}) for i in items]
        with self._lock:
            order_id = self.next_id()
            lines = build_lines(items, shipping, list(fees), coupon[0] if coupon else None, prices_include_tax, self.next_id)
            modified = completed or paid or created
            order = {
                "id": order_id, "parent_id": 0, "number": number or str(order_id),
                "order_key": f"wc_order_{secrets.token_hex(6)}", "created_via": "checkout", "version": "9.4.0",
                "status": status or ("completed" if completed else "processing" if paid else "pending"),
                "currency": "NOK", **woo_dates("date_created", created, self.tz),
                **woo_dates("date_modified", modified, self.tz), "prices_include_tax": prices_include_tax,
                "customer_id": 0, "customer_note": "", "billing": {"first_name": "Kari", "last_name": "Nordmann",
                "country": "NO", "email": "kari@example.com"}, "shipping": {"country": "NO"},
                "payment_method": payment_method, "payment_method_title": payment_method.title(),
                "transaction_id": "", **woo_dates("date_paid", paid, self.tz),
                **woo_dates("date_completed", completed, self.tz), "cart_hash": "", "meta_data": [],
                **lines, "refunds": [], "payment_url": "", "is_editable": False, "needs_payment": False,
                "needs_processing": True,
            }
            self.orders[order_id] = order
            self.refunds[order_id] = []
            return order_id

    def add_raw_order(self, order: dict, refunds: list[dict] = ()) -> int:
        """Serve an order object exactly as given (e.g. a documented example response)."""
        with self._lock:
            self.orders[order["id"]] = order
            self.refunds[order["id"]] = list(refunds)
            return order["id"]

    def set_status(self, order_id: int, status: str, at: datetime) -> None:
        """Change an order's status at `at` (sets date_paid / date_completed as WooCommerce would)."""
        with self._lock:
            order = self.orders[order_id]
            order["status"] = status
            if status in ("processing", "completed") and not order.get("date_paid"):
                order.update(woo_dates("date_paid", at, self.tz))
            if status == "completed" and not order.get("date_completed"):
                order.update(woo_dates("date_completed", at, self.tz))
            order.update(woo_dates("date_modified", at, self.tz))

    def add_refund(
        self,
        order_id: int,
        at: datetime,
        *,
        items: list[tuple[int, int]] = (),
        shipping: bool = False,
        amount: str | None = None,
        reason: str = "",
    ) -> int:
        """Refund (line index, quantity) pairs and/or shipping, or just an amount; returns its id.
        A refund of the whole total moves the order to `refunded`."""
        with self._lock:
            order = self.orders[order_id]
            refund_id = self.next_id()
            lines, gross = refund_lines(order, list(items), shipping, self.next_id)
            value = parse_amount(amount) if amount is not None else gross
            refund = {
                "id": refund_id, **woo_dates("date_created", at, self.tz), "amount": money(value),
                "reason": reason, "refunded_by": 1, "refunded_payment": True, "meta_data": [], **lines,
            }
            self.refunds[order_id].insert(0, refund)  # newest first, as WooCommerce lists them
            order["refunds"].insert(0, {"id": refund_id, "reason": reason, "total": money(-value)})
            refunded = sum(parse_amount(r["amount"]) for r in self.refunds[order_id])
            if refunded >= parse_amount(order["total"]):
                order["status"] = "refunded"
            order.update(woo_dates("date_modified", at, self.tz))
            return refund_id

    def delete_refund(self, order_id: int, refund_id: int, at: datetime) -> None:
        with self._lock:
            self.refunds[order_id] = [r for r in self.refunds[order_id] if r["id"] != refund_id]
            order = self.orders[order_id]
            order["refunds"] = [r for r in order["refunds"] if r["id"] != refund_id]
            order.update(woo_dates("date_modified", at, self.tz))

    def add_product(self, product_id: int, categories: list[str], sku: str = "") -> None:
        with self._lock:
            self.products[product_id] = {
                "id": product_id, "name": f"Product {product_id}", "sku": sku,
                "categories": [{"id": n + 1, "name": slug.title(), "slug": slug} for n, slug in enumerate(categories)],
            }

    # --- faults ----------------------------------------------------------------------------------
    def fail_next(self, status: int = 500, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next `times` requests with HTTP `status` (429, 500, 503, ...)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = json.dumps({"code": "sandbox_fault", "message": f"injected HTTP {status}", "data": {"status": status}})
        with self._lock:
            self._faults.extend(_Fault(status, body, headers) for _ in range(times))

    def invalid_json_next(self, times: int = 1) -> None:
        """Answer the next `times` requests with 200 and a body that is not JSON (a PHP notice)."""
        with self._lock:
            self._faults.extend(_Fault(200, "<br />\n<b>Notice</b>: Undefined index: x in wp-content\n[{") for _ in range(times))

    # --- request handling (called by _Handler) -----------------------------------------------------
    def _answer(self, path: str, params: dict[str, str], authorized: bool) -> tuple[int, object, dict[str, str]]:
        with self._lock:
            self.requests.append(SandboxRequest("GET", path, params, authorized))
            if self._faults:
                fault = self._faults.pop(0)
                return fault.status, fault.body, fault.headers
            if not authorized:
                return 401, {"code": "woocommerce_rest_authentication_error", "message": "Consumer key is invalid.",
                             "data": {"status": 401}}, {}
            parts = path.removeprefix(API).strip("/").split("/")
            if parts == ["orders"]:
                return self._listing(path, params, self._order_list(params))
            if len(parts) == 2 and parts[0] == "orders" and parts[1].isdigit() and int(parts[1]) in self.orders:
                return 200, self.orders[int(parts[1])], {}
            if len(parts) == 3 and parts[0] == "orders" and parts[2] == "refunds" and parts[1].isdigit() \
                    and int(parts[1]) in self.orders:
                return self._listing(path, params, self.refunds[int(parts[1])])
            if parts == ["products"]:
                wanted = {int(i) for i in params.get("include", "").split(",") if i.strip().isdigit()}
                return self._listing(path, params, [p for i, p in sorted(self.products.items()) if i in wanted])
            return 404, {"code": "rest_no_route", "message": "No route was found matching the URL and request method.",
                         "data": {"status": 404}}, {}

    def _order_list(self, params: dict[str, str]) -> list[dict]:
        orders = list(self.orders.values())
        statuses = [s for s in params.get("status", "any").split(",") if s]
        if "any" in statuses:
            orders = [o for o in orders if o.get("status") not in _NOT_ANY]
        else:
            orders = [o for o in orders if o.get("status") in statuses]
        if params.get("modified_after"):
            key = "date_modified_gmt" if params.get("dates_are_gmt") == "true" else "date_modified"
            orders = [o for o in orders if (o.get(key) or "") > params["modified_after"]]
        orderby = {"modified": "date_modified_gmt", "date": "date_created_gmt", "id": "id"}.get(
            params.get("orderby", "date"), "date_created_gmt")
        orders.sort(key=lambda o: (o.get(orderby) or "", o["id"]), reverse=params.get("order", "desc") == "desc")
        return orders

    def _listing(self, path: str, params: dict[str, str], items: list) -> tuple[int, object, dict[str, str]]:
        per_page = params.get("per_page", "10")
        page = params.get("page", "1")
        if not per_page.isdigit() or not 1 <= int(per_page) <= 100 or not page.isdigit() or int(page) < 1:
            return 400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): per_page, page",
                         "data": {"status": 400}}, {}
        size, number = int(per_page), int(page)
        pages = max(1, math.ceil(len(items) / size)) if items else 0
        headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
        if number < pages:
            query = urlencode({**params, "page": number + 1})
            headers["Link"] = f'<{self.url}{path}?{query}>; rel="next"'
        return 200, items[(number - 1) * size : number * size], headers

    def authorized(self, header: str | None, params: dict[str, str]) -> bool:
        if header and header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return secrets.compare_digest(user, self.consumer_key) and secrets.compare_digest(password, self.consumer_secret)
        return params.get("consumer_key") == self.consumer_key and params.get("consumer_secret") == self.consumer_secret


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # a stalled client cannot hold a thread for longer
    server_version = "WooSandbox/1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        shop: WooSandbox = self.server.shop  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        status, body, headers = shop._answer(parts.path, params, shop.authorized(self.headers.get("Authorization"), params))
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:  # keep test output clean
        pass


def utc(*args: int) -> datetime:
    """A UTC instant, for building sandbox data: utc(2026, 11, 2, 12, 30)."""
    return datetime(*args, tzinfo=timezone.utc)

"""SandboxLifetime: what every ledger sandbox object does with its server thread, so that a test's
sandbox always stops, by stop(), by leaving its `with` block, or by itself after max_seconds."""

from __future__ import annotations

import threading
from typing import Any, Self

from settlement.sandbox_kit.faults import Faults
from settlement.sandbox_kit.records import RecordedRequest
from settlement.sandbox_kit.server import LoopbackServer


class SandboxLifetime:
    """Mixin for a sandbox object around one LoopbackServer: its address, its request log and
    faults, and its lifetime. Call `_serve_in_thread()` from __init__ and `_launch()` when ready."""

    _server: LoopbackServer
    api_prefix = ""  # the path of the API below the root ("/v2")

    def _serve_in_thread(self, server: LoopbackServer, max_seconds: float, name: str) -> None:
        """Prepare the serving thread (named `name`) and the timer that stops it after max_seconds."""
        self._server = server
        self.stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._timer = threading.Timer(max_seconds, self.stop)
        self._timer.daemon = True

    def _launch(self) -> Self:
        """Start serving and the max_seconds timer; the running sandbox."""
        self._thread.start()
        self._timer.start()
        return self

    # --- address and record -------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return self._server.root_url

    @property
    def base_url(self) -> str:
        """The API root, for the ledger's base URL setting."""
        return self.root_url + self.api_prefix

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order."""
        return self._server.log.snapshot()

    def overlaps(self) -> list[tuple[RecordedRequest, RecordedRequest]]:
        """Requests with the same token in flight at the same time (our clients never do that)."""
        return self._server.log.overlaps()

    @property
    def faults(self) -> Faults:
        return self._server.faults

    # --- lifetime -------------------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            self.stopped.set()

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call more than once."""
        if getattr(self, "_stopping", False):
            self.stopped.wait(5)
            return
        self._stopping = True
        self._timer.cancel()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self.stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the sandbox stopped (by stop() or its max lifetime); True if it did."""
        return self.stopped.wait(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

"""A faithful local fake of the Fiken API v2: a real HTTP server on 127.0.0.1 for tests and demos.

    sb = FikenSandbox.start(port=0, max_seconds=600)
    requests.get(sb.base_url + "/user", headers={"Authorization": f"Bearer {sb.personal_token}"})
    sb.stop()

See docs/fiken-sandbox.md for what it models and which behaviours are guesses (UNCERTAIN in
fiken-api.md) behind settings.
"""

from settlement.sandbox_kit.records import RecordedRequest
from settlement.fiken_sandbox.sandbox import FikenSandbox

__all__ = ["FikenSandbox", "RecordedRequest"]

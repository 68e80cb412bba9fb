"""A faithful local fake of the PowerOffice Go API v2 on 127.0.0.1 (see docs/poweroffice-sandbox.md).

    sb = PowerOfficeSandbox.start(port=0, max_seconds=600)
    print("\n".join(sb.settings_lines()))   # the SETTLEMENT_POWEROFFICE_* lines to paste
    sb.stop()
"""

from settlement.poweroffice_sandbox.sandbox import PowerOfficeSandbox
from settlement.sandbox_kit.records import RecordedRequest

__all__ = ["PowerOfficeSandbox", "RecordedRequest"]

"""Reading fields of a WooCommerce JSON object with every problem named (URL, order, field path).

A `FieldReader` collects Problems instead of raising, so that one run reports every bad field of
every order at once. Getters return a neutral value (0, "", None) after recording a problem.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from settlement.domain.businessday import parse_timestamp
from settlement.domain.money import AmountError
from settlement.domain.problems import Problem, error
from settlement.domain.text import tr
from settlement.sources.woocommerce.amounts import to_ore


class FieldReader:
    """Field access for one order or refund; problems name `url` and `ref` (e.g. "order 727"), and
    their messages start with `label`: the ref as a person reads it (default: the ref)."""

    def __init__(self, url: str, ref: str, problems: list[Problem], label: str | None = None):
        self.url = url
        self.ref = ref
        self.label = ref if label is None else label
        self.problems = problems

    def fail(self, message: str, path: str | None = None, value: object = None) -> None:
        self.problems.append(
            error(
                f"{self.label}: {message}",
                file=self.url,
                column=path,
                value=None if value is None else str(value),
                ref=self.ref,
            )
        )

    def _get(self, obj: object, key: str, path: str) -> tuple[bool, object]:
        if not isinstance(obj, dict):
            self.fail(tr("expected a JSON object at {path}", path=path.rsplit(".", 1)[0] or tr("top level")), path, obj)
            return False, None
        if key not in obj:
            self.fail(tr("missing field {path!r}", path=path), path)
            return False, None
        return True, obj[key]

    def amount(self, obj: object, key: str, path: str, *, optional: bool = False) -> int:
        """An amount field in øre; a missing field is 0 when `optional`."""
        if optional and isinstance(obj, dict) and obj.get(key) in (None, ""):
            return 0
        found, value = self._get(obj, key, path)
        if not found:
            return 0
        try:
            return to_ore(value)
        except AmountError as exc:
            if str(exc).startswith("not an amount"):
                self.fail(tr("field {path!r} is not numeric: {reason}", path=path, reason=exc), path, value)
            else:
                self.fail(tr("field {path!r}: {reason}", path=path, reason=exc), path, value)
            return 0

    def text(self, obj: object, key: str, path: str, *, required: bool = True) -> str:
        """A text field (numbers are accepted as text); "" for null."""
        if not required and (not isinstance(obj, dict) or key not in obj):
            return ""
        found, value = self._get(obj, key, path)
        if not found or value is None:
            return ""
        if isinstance(value, (dict, list, bool)):
            self.fail(tr("field {path!r} should be a text", path=path), path, value)
            return ""
        return str(value).strip()

    def integer(self, obj: object, key: str, path: str) -> int | None:
        found, value = self._get(obj, key, path)
        if not found:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            self.fail(tr("field {path!r} is not a whole number", path=path), path, value)
            return None
        return int(value)

    def items(self, obj: object, key: str, path: str) -> list[dict]:
        """A list of objects; a missing or null list is empty (older WooCommerce omits some)."""
        if not isinstance(obj, dict) or obj.get(key) is None:
            return []
        value = obj[key]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(tr("field {path!r} should be a list of objects", path=path), path, type(value).__name__)
            return []
        return value

    def moment(self, obj: object, key: str, tz: ZoneInfo) -> datetime | None:
        """A WooCommerce date as an aware UTC instant, from `<key>_gmt` (UTC) or else `<key>`
        (the shop's local time, taken to be the vendor's time zone); None when both are null."""
        if not isinstance(obj, dict):
            return None
        gmt, local = obj.get(f"{key}_gmt"), obj.get(key)
        for field, value, zone in ((f"{key}_gmt", gmt, ZoneInfo("UTC")), (key, local, tz)):
            if value in (None, ""):
                continue
            if not isinstance(value, str):
                self.fail(tr("field {path!r} is not a date", path=field), field, value)
                return None
            try:
                return parse_timestamp(value, zone).astimezone(timezone.utc)
            except ValueError:
                self.fail(tr("field {path!r} is not an ISO 8601 date", path=field), field, value)
                return None
        return None

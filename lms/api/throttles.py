"""Throttles whose rates are read when a request comes, not when the class is defined (DRF's
own read `DEFAULT_THROTTLE_RATES` once at import, so a changed setting would be ignored)."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class _LiveRates:
    scope: str | None

    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope or "")


class UserThrottle(_LiveRates, UserRateThrottle):
    pass


class AnonThrottle(_LiveRates, AnonRateThrottle):
    pass


class ScopedThrottle(_LiveRates, ScopedRateThrottle):
    pass

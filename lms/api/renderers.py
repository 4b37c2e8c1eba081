"""A text/csv renderer, so that `Accept: text/csv` on the CSV export is not refused (406)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, str):
            return data.encode()
        # An error body: still the one error shape, as JSON text.
        return json.dumps(data, cls=DjangoJSONEncoder).encode()

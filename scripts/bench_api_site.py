"""The API benchmark's settings: the project's own, plus two plain Django views (bench_api_urls).

`scripts/bench_api.py` runs gunicorn with `DJANGO_SETTINGS_MODULE=bench_api_site` (and `scripts/`
on the path), so the plain views exist only in the benchmark's server, never in the product. They
read the same rows as `/api/v1/submissions/` (list and detail) for a bearer token's user, through
the same token service and the same course scoping, with `.values()` and `JsonResponse` instead of
DRF's authentication classes, permissions, throttles, filters, serializers and renderer: the
difference between the two is what DRF costs.
"""

from __future__ import annotations

# The project's settings as they are; only the URL root differs.
from lms.settings import *  # noqa: F403 (the benchmark's server is the project's own)

ROOT_URLCONF = "bench_api_urls"

"""Canvas-style pagination: `page` and `per_page`, links in an RFC 8288 (5988) `Link` header."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class LinkHeaderPagination(PageNumberPagination):
    page_query_param = "page"
    page_size_query_param = "per_page"
    max_page_size = 100

    def _link(self, page_number: int) -> str:
        assert self.request is not None
        url = replace_query_param(
            self.request.build_absolute_uri(), self.page_query_param, page_number
        )
        return url

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        page = self.page
        links = [(self._link(page.number), "current"), (self._link(1), "first")]
        if page.has_previous():
            links.append((self._link(page.previous_page_number()), "prev"))
        if page.has_next():
            links.append((self._link(page.next_page_number()), "next"))
        links.append((self._link(page.paginator.num_pages), "last"))
        headers = {
            "Link": ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links),
            "X-Total-Count": str(page.paginator.count),
        }
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return schema

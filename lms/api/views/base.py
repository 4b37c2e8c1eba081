"""What every API viewset shares: the caller's access in the serializer context."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets

from lms.accounts.models import User
from lms.api.access import Access, access_for
from lms.api.schema import AulaAutoSchema


class ScopedViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Subclasses filter `get_queryset` with `self.access`; nothing else decides who reads."""

    schema = AulaAutoSchema()

    @property
    def access(self) -> Access:
        return access_for(self.request)

    @property
    def user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return super().get_queryset()
        return self.scoped_queryset()

    def scoped_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return context
        context["access"] = self.access
        return context

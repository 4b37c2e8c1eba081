"""`users/me` and personal API tokens."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from lms.accounts.models import User
from lms.accounts.services import user_update_profile
from lms.api.models import ApiToken
from lms.api.permissions import SessionOnly, TokenScope
from lms.api.schema import AulaAutoSchema
from lms.api.serializers import NewTokenSerializer, TokenSerializer, UserSerializer
from lms.api.services import token_create, token_revoke
from lms.api.throttles import ScopedThrottle, UserThrottle
from lms.api.views.base import ScopedViewSet


class MeView(RetrieveUpdateAPIView):  # type: ignore[type-arg]
    """The caller. Only the display name, language and time zone can be changed."""

    schema = AulaAutoSchema()
    serializer_class = UserSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def perform_update(self, serializer: UserSerializer) -> None:  # type: ignore[override]
        user = self.get_object()
        data = serializer.validated_data
        user_update_profile(
            user=user,
            display_name=data.get("display_name", user.display_name),
            locale=data.get("locale", user.locale),
            time_zone=data.get("time_zone", user.time_zone),
        )


class TokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):
    """The caller's personal tokens. DELETE revokes (the token stays listed, refused)."""

    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated, TokenScope, SessionOnly]
    throttle_scope = "tokens"
    ordering_fields = ["created_at", "name"]

    def get_throttles(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return [ScopedThrottle(), UserThrottle()]
        return super().get_throttles()

    queryset = ApiToken.objects.none()

    def scoped_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user_id=self.user.pk)

    @extend_schema(request=TokenSerializer, responses={201: NewTokenSerializer})
    def create(self, request: Request) -> Response:
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = token_create(
            user=self.user,
            name=serializer.validated_data["name"],
            scope=serializer.validated_data.get("scope", ApiToken.Scope.READ),
            expires_at=serializer.validated_data.get("expires_at"),
        )
        token.key = key  # type: ignore[attr-defined]
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: TokenSerializer})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        token = token_revoke(actor=self.user, token=self.get_object())
        return Response(TokenSerializer(token).data)

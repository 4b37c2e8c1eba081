"""Webhook endpoints and their delivery log, seen by their owner."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from lms.api.views.base import ScopedViewSet
from lms.api.webhooks import webhook_endpoint_create
from lms.courses.models import Course


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "course", "url", "events", "is_active", "created_at"]
        read_only_fields = ["id", "is_active", "created_at"]
        extra_kwargs = {"course": {"queryset": Course.objects.none(), "required": False}}


class WebhookCreateSerializer(serializers.Serializer[WebhookEndpoint]):
    course = serializers.IntegerField(required=False, allow_null=True)
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))


class NewWebhookSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown this once: sign checks.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "payload",
            "status",
            "attempts",
            "response_code",
            "error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields


class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):
    """The caller's webhook endpoints: a teacher's for their courses, an admin's site-wide."""

    serializer_class = WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.none()
    ordering_fields = ["created_at"]

    def scoped_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.filter(owner_id=self.access.user_id).order_by(
            "-created_at", "-id"
        )

    @extend_schema(request=WebhookCreateSerializer, responses={201: NewWebhookSerializer})
    def create(self, request: Request) -> Response:
        serializer = WebhookCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = None
        if data.get("course") is not None:
            course = Course.objects.filter(self.access.member("id"), pk=data["course"]).first()
            if course is None:
                raise ValidationError({"course": ["No such course."]})
        endpoint = webhook_endpoint_create(
            owner=self.user, url=data["url"], events=list(data["events"]), course=course
        )
        return Response(NewWebhookSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=WebhookDeliverySerializer(many=True), filters=False)
    @action(detail=True, filter_backends=[])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """What was sent to this endpoint, newest first, with each outcome."""
        endpoint = self.get_object()
        page = self.paginate_queryset(
            WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
        )
        assert page is not None
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

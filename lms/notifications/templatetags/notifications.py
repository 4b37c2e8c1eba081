"""`{% notifications_link %}`: the header's link to the notifications with the unread count."""

from __future__ import annotations

from typing import Any

from django import template

from lms.accounts.models import User
from lms.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/partials/header_link.html", takes_context=True)
def notifications_link(context: template.Context) -> dict[str, Any]:
    """One query, for signed-in users only."""
    user = context.get("user")
    count = unread_count(user=user) if isinstance(user, User) else 0
    return {"unread": count}

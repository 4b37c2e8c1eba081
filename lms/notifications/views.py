"""The signed-in user's notifications: the list, mark as read, and the e-mail opt-out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lms.core.access import signed_in
from lms.notifications.forms import PreferenceForm
from lms.notifications.models import Notification
from lms.notifications.selectors import (
    email_enabled_for,
    notifications_for_user,
    unread_count,
)
from lms.notifications.services import (
    notification_mark_read,
    notification_preference_set,
    notifications_mark_all_read,
)

PER_PAGE = 20


def _list_context(request: HttpRequest, form: PreferenceForm | None = None) -> dict[str, object]:
    user = signed_in(request)
    page = Paginator(notifications_for_user(user=user), PER_PAGE).get_page(request.GET.get("page"))
    form = form or PreferenceForm(initial={"email_enabled": email_enabled_for(user=user)})
    return {"page": page, "unread": unread_count(user=user), "form": form}


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/list.html", _list_context(request))


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = notification_mark_read(
            actor=signed_in(request), notification_id=notification_id
        )
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    if request.headers.get("HX-Request"):
        # htmx swaps the row in place; the header's count follows on the next page.
        return render(request, "notifications/partials/item.html", {"item": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(actor=signed_in(request))
    messages.success(request, f"{count} notification{'' if count == 1 else 's'} marked as read.")
    return redirect("notifications:list")


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        return render(request, "notifications/list.html", _list_context(request, form), status=400)
    preference = notification_preference_set(
        actor=signed_in(request), email_enabled=form.cleaned_data["email_enabled"]
    )
    messages.success(
        request,
        "You will get notifications by e-mail."
        if preference.email_enabled
        else "You will no longer get notifications by e-mail.",
    )
    return redirect("notifications:list")

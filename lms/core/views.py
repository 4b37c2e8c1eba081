from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lms.accounts.models import User
from lms.courses.selectors import courses_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's courses, with their role in each."""
    assert isinstance(request.user, User)  # login_required let only a signed-in user through
    enrollments = courses_for_user(user=request.user)
    return render(request, "core/home.html", {"enrollments": enrollments})

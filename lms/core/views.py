from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lms.courses.selectors import courses_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's courses, with their role in each."""
    return render(request, "core/home.html", {"enrollments": courses_for_user(user=request.user)})

"""My grades: the signed-in student's released grades, per course."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from lms.core.access import signed_in
from lms.grading.student_selectors import my_grades


@login_required
def my_grades_page(request: HttpRequest) -> HttpResponse:
    courses = my_grades(student=signed_in(request))
    return render(request, "grading/my_grades.html", {"courses": courses, "one_course": False})


@login_required
def my_course_grades_page(request: HttpRequest, course_id: int) -> HttpResponse:
    """One course's grades; 404 unless the user is an active student of it."""
    courses = my_grades(student=signed_in(request), course_id=course_id)
    if not courses:
        raise Http404("No such course.")
    return render(request, "grading/my_grades.html", {"courses": courses, "one_course": True})

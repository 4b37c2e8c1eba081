"""Teachers' course pages: create and edit a course, rotate its join code, manage the roster.

Thin adapters over `lms.courses.services` and `lms.courses.roster`. Everyone who does not manage
the course (students, TAs, other courses' teachers) gets 404, so course ids reveal nothing; a
refused form is shown again with the message next to its field and the input kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lms.core.access import course_or_404, signed_in
from lms.core.forms import add_service_errors
from lms.courses.forms import (
    AddPersonForm,
    ConfirmForm,
    CourseForm,
    CsvUploadForm,
    RoleForm,
    csv_import,
)
from lms.courses.models import Course, Enrollment
from lms.courses.roster import (
    can_create_course,
    course_open,
    enrollment_add_by_email,
    roster_for_course,
    roster_import_csv,
)
from lms.courses.selectors import can_manage_course
from lms.courses.services import (
    course_rotate_join_code,
    course_update,
    enrollment_deactivate,
    enrollment_set_role,
)


def _managed_course(request: HttpRequest, course_id: int) -> Course:
    return course_or_404(request, course_id, can_manage_course)


@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    if not can_create_course(user=signed_in(request)):
        raise PermissionDenied("Only people allowed by an administrator create courses.")
    form = CourseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            course = course_open(actor=signed_in(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{course} is created. Share its join code with students.")
            return redirect("courses:detail", course_id=course.pk)
    return render(request, "courses/manage/course_form.html", {"form": form, "course": None})


@login_required
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _managed_course(request, course_id)
    # The form edits a copy, so a refused save never shows half-applied values elsewhere.
    form = CourseForm(
        request.POST if request.method == "POST" else None,
        instance=Course.objects.get(pk=course.pk),
    )
    if request.method == "POST" and form.is_valid():
        try:
            course_update(actor=signed_in(request), course=course, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The course settings are saved.")
            return redirect("courses:detail", course_id=course.pk)
    return render(request, "courses/manage/course_form.html", {"form": form, "course": course})


@login_required
def join_code_rotate(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _managed_course(request, course_id)
    label = "Yes, replace the join code: the current one stops working at once"
    form = ConfirmForm(request.POST if request.method == "POST" else None, label=label)
    if request.method == "POST" and form.is_valid():
        course = course_rotate_join_code(actor=signed_in(request), course=course)
        messages.success(request, f"The new join code is {course.join_code}.")
        return redirect("courses:roster", course_id=course.pk)
    return render(request, "courses/manage/join_code.html", {"course": course, "form": form})


def _roster_page(request: HttpRequest, course: Course, **context: Any) -> HttpResponse:
    enrollments = list(roster_for_course(course=course))
    counts = dict.fromkeys(Enrollment.Role.values, 0)
    for enrollment in enrollments:
        if enrollment.is_active:
            counts[enrollment.role] += 1
    context = {
        "course": course,
        "enrollments": enrollments,
        "counts": counts,
        "roles": Enrollment.Role.choices,
        "add_form": AddPersonForm(),
        "import_form": CsvUploadForm(),
        "row_errors": {},
        **context,
    }
    return render(request, "courses/manage/roster.html", context)


@login_required
def roster(request: HttpRequest, course_id: int) -> HttpResponse:
    return _roster_page(request, _managed_course(request, course_id))


@login_required
@require_POST
def roster_add(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _managed_course(request, course_id)
    form = AddPersonForm(request.POST)
    if form.is_valid():
        try:
            enrollment = enrollment_add_by_email(
                actor=signed_in(request), course=course, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc, default_field="email")
        else:
            role = enrollment.get_role_display().lower()
            messages.success(request, f"{enrollment.user.email} is enrolled as {role}.")
            return redirect("courses:roster", course_id=course.pk)
    return _roster_page(request, course, add_form=form)


@login_required
@require_POST
def roster_import(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _managed_course(request, course_id)
    result, form = csv_import(
        request,
        lambda content: roster_import_csv(actor=signed_in(request), course=course, content=content),
    )
    if result is not None:
        messages.success(
            request,
            f"Imported: {result.enrolled} enrolled ({result.accounts_created} new accounts), "
            f"{result.already_enrolled} already on the roster and left as they were.",
        )
        return redirect("courses:roster", course_id=course.pk)
    return _roster_page(request, course, import_form=form)


def _course_enrollment(request: HttpRequest, course_id: int, enrollment_id: int) -> Enrollment:
    course = _managed_course(request, course_id)
    return get_object_or_404(
        Enrollment.objects.select_related("user", "course"), pk=enrollment_id, course=course
    )


@login_required
@require_POST
def enrollment_role(request: HttpRequest, course_id: int, enrollment_id: int) -> HttpResponse:
    enrollment = _course_enrollment(request, course_id, enrollment_id)
    form = RoleForm(request.POST)
    error = "Choose a role from the list."
    if form.is_valid():
        try:
            enrollment = enrollment_set_role(
                actor=signed_in(request), enrollment=enrollment, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            role = enrollment.get_role_display().lower()
            messages.success(request, f"{enrollment.user.email} is now {role}.")
            return redirect("courses:roster", course_id=course_id)
    row_errors = {enrollment.pk: error}
    return _roster_page(request, enrollment.course, row_errors=row_errors)


@login_required
@require_POST
def enrollment_end(request: HttpRequest, course_id: int, enrollment_id: int) -> HttpResponse:
    enrollment = _course_enrollment(request, course_id, enrollment_id)
    try:
        enrollment_deactivate(actor=signed_in(request), enrollment=enrollment)
    except ValidationError as exc:
        row_errors = {enrollment.pk: " ".join(exc.messages)}
        return _roster_page(request, enrollment.course, row_errors=row_errors)
    messages.success(request, f"{enrollment.user.email} is no longer enrolled; their work is kept.")
    return redirect("courses:roster", course_id=course_id)

"""Course pages: join by code, and a course with its assignments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from lms.assignments.selectors import assignments_for_course
from lms.core.access import signed_in
from lms.core.forms import add_service_errors
from lms.core.markdown import render_markdown
from lms.courses.forms import JoinCourseForm
from lms.courses.models import Course, Enrollment
from lms.courses.selectors import enrollment_for
from lms.courses.services import course_join
from lms.grading.student_selectors import StudentAssignment, student_assignments


@login_required
def join(request: HttpRequest) -> HttpResponse:
    form = JoinCourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment = course_join(user=signed_in(request), code=form.cleaned_data["code"])
        except ValidationError as exc:
            add_service_errors(form, exc, default_field="code")
        else:
            messages.success(request, f"You joined {enrollment.course}.")
            return redirect("courses:detail", course_id=enrollment.course_id)
    return render(request, "courses/join.html", {"form": form})


@login_required
def detail(request: HttpRequest, course_id: int) -> HttpResponse:
    """The course and its assignments: all of them for its staff, the published ones for students.

    Anyone not enrolled gets 404, not 403, so that course ids reveal nothing.
    """
    course = get_object_or_404(Course, pk=course_id)
    enrollment = enrollment_for(user=signed_in(request), course=course)
    if enrollment is None:
        raise Http404("No such course.")
    is_staff_role = enrollment.is_staff_role
    assignments = assignments_for_course(course=course, include_unpublished=is_staff_role)
    standing: dict[int, StudentAssignment] = {}
    if enrollment.role == Enrollment.Role.STUDENT and enrollment.is_active:
        items = student_assignments(student=signed_in(request), course_ids=[course.pk])
        standing = {item.assignment.pk: item for item in items}
    context = {
        "course": course,
        "enrollment": enrollment,
        "is_staff_role": is_staff_role,
        "description_html": render_markdown(course.description),
        # Each assignment with the student's standing on it (status, own due time, score).
        "rows": [(a, standing.get(a.pk)) for a in assignments],
    }
    return render(request, "courses/detail.html", context)

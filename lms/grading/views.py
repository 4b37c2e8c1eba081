"""Teachers' grading pages: the course gradebook (page, CSV export, CSV import) and an
assignment's release page.

Thin adapters over `lms.grading.selectors`, `lms.grading.services`, `lms.grading.export` and
`lms.grading.imports`. Only the course's teachers and TAs (and site staff) get in; everyone else
gets 404, so ids reveal nothing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from lms.accounts.models import User
from lms.assignments.models import Assignment
from lms.core.access import assignment_or_404, course_or_404, signed_in
from lms.courses.models import Course
from lms.courses.selectors import can_grade_course
from lms.grading.export import gradebook_csv
from lms.grading.forms import (
    CsvUploadForm,
    ReleaseAllForm,
    StudentReleaseForm,
    csv_import,
)
from lms.grading.imports import grades_import_csv
from lms.grading.selectors import (
    Gradebook,
    ReleaseSummary,
    gradebook_for_course,
    release_summary,
)
from lms.grading.services import assignment_grades_release, assignment_grades_retract


def _graded_course(request: HttpRequest, course_id: int) -> Course:
    return course_or_404(request, course_id, can_grade_course)


def _graded_assignment(request: HttpRequest, assignment_id: int) -> Assignment:
    return assignment_or_404(request, assignment_id, can_grade_course)


DASH = "—"


def _number(value: Decimal) -> str:
    """As the template filter `floatformat:"-2"` writes it: 7, 7.50, 7.25 (half up)."""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def _score_cell(score: Decimal | None, penalty: Decimal | None) -> str:
    text = DASH if score is None else _number(score)
    if penalty:
        return format_html(
            '<td>{} <span class="badge late">\u2212{} late</span></td>', text, _number(penalty)
        )
    return format_html("<td>{}</td>", text)


def _table(book: Gradebook) -> list[dict[str, Any]]:
    """The gradebook's rows, each row's cells already written as HTML (escaped by format_html).

    The page holds students x assignments cells (4,000 for 200 x 20): written here they cost a
    fraction of what one template node per cell costs.
    """
    return [
        {
            "row": row,
            "cells": mark_safe(
                "".join(
                    [
                        _score_cell(row.scores[a.id], row.penalties.get(a.id))
                        for a in book.assignments
                    ]
                    + [
                        format_html("<td>{}</td>", DASH if p is None else _number(p))
                        for p in (row.category_percents[c.id] for c in book.categories)
                    ]
                )
            ),
            "total": DASH if row.total_percent is None else _number(row.total_percent),
        }
        for row in book.rows
    ]


def _gradebook_page(request: HttpRequest, course: Course, form: CsvUploadForm) -> HttpResponse:
    book = gradebook_for_course(course=course)
    category_names = {category.id: category.name for category in book.categories}
    context = {
        "course": course,
        "book": book,
        "columns": [(a, category_names.get(a.category_id, "")) for a in book.assignments],
        "table": _table(book),
        "import_form": form,
    }
    return render(request, "grading/gradebook.html", context)


@login_required
@require_GET
def gradebook(request: HttpRequest, course_id: int) -> HttpResponse:
    return _gradebook_page(request, _graded_course(request, course_id), CsvUploadForm())


@login_required
@require_GET
def gradebook_download(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _graded_course(request, course_id)
    response = HttpResponse(gradebook_csv(course), content_type="text/csv; charset=utf-8")
    name = f"gradebook-{slugify(course.code)}-{slugify(course.term) or 'no-term'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def gradebook_import(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _graded_course(request, course_id)
    result, form = csv_import(
        request,
        lambda content: grades_import_csv(actor=signed_in(request), course=course, content=content),
    )
    if result is not None:
        messages.success(
            request,
            f"Imported {result.changed} grade{pluralize(result.changed)} as drafts "
            f"({result.unchanged} unchanged). Release them from each assignment's release "
            "page.",
        )
        return redirect("grading:gradebook", course_id=course.pk)
    return _gradebook_page(request, course, form)


def _release_forms(summary: ReleaseSummary, data: Any = None) -> dict[str, ReleaseAllForm]:
    labels = {
        "release": f"Yes, release these {summary.draft} grades to the students",
        "retract": f"Yes, take back these {summary.released} released grades",
    }
    return {
        action: ReleaseAllForm(data, prefix=action, initial={"action": action}, label=label)
        for action, label in labels.items()
    }


@login_required
def release(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _graded_assignment(request, assignment_id)
    summary = release_summary(assignment=assignment)
    forms = _release_forms(summary)
    if request.method == "POST":
        action = "retract" if "retract-action" in request.POST else "release"
        form = forms[action] = _release_forms(summary, request.POST)[action]
        if form.is_valid() and action == "release":
            count = assignment_grades_release(actor=signed_in(request), assignment=assignment)
            messages.success(request, f"{count} grade{pluralize(count)} released.")
            return redirect("grading:release", assignment_id=assignment.pk)
        if form.is_valid():
            count = assignment_grades_retract(actor=signed_in(request), assignment=assignment)
            messages.success(request, f"{count} grade{pluralize(count)} taken back.")
            return redirect("grading:release", assignment_id=assignment.pk)
    context = {
        "assignment": assignment,
        "course": assignment.course,
        "summary": summary,
        "release_form": forms["release"],
        "retract_form": forms["retract"],
    }
    return render(request, "grading/release.html", context)


@login_required
@require_POST
def release_student(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _graded_assignment(request, assignment_id)
    form = StudentReleaseForm(request.POST)
    summary_ids = {row.student_id for row in release_summary(assignment=assignment).rows}
    if not form.is_valid() or form.cleaned_data["student"] not in summary_ids:
        raise Http404("No such student's work in this assignment.")
    student = get_object_or_404(User, pk=form.cleaned_data["student"])
    if form.cleaned_data["action"] == "release":
        count = assignment_grades_release(
            actor=signed_in(request), assignment=assignment, student=student
        )
        messages.success(request, f"{count} grade(s) of {student.email} released.")
    else:
        count = assignment_grades_retract(
            actor=signed_in(request), assignment=assignment, student=student
        )
        messages.success(request, f"{count} grade(s) of {student.email} taken back.")
    return redirect("grading:release", assignment_id=assignment.pk)

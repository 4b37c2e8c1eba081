"""The teacher's assignment editor: settings, questions (every kind, with choices and a rubric),
order, publishing and per-student extensions.

Only those who manage the course (its teachers and site staff; TAs grade but do not author) reach
these pages; everyone else gets 404, so that ids reveal nothing. Views only adapt: find the rows,
bind the forms, call one service, show its refusal beside the field it is about.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lms.assignments.editor_forms import (
    AssignmentForm,
    ExtensionForm,
    QuestionEditor,
    without_errors,
)
from lms.assignments.models import Assignment, Extension, Question
from lms.assignments.selectors import has_submitted_work
from lms.assignments.services import (
    LOCKED_QUESTIONS,
    assignment_create,
    assignment_publish,
    assignment_update,
    category_create,
    extension_grant,
    extension_revoke,
    question_create,
    question_delete,
    question_reorder,
    question_update,
)
from lms.core.access import assignment_or_404, course_or_404, signed_in
from lms.core.forms import add_service_errors
from lms.core.markdown import render_markdown
from lms.courses.models import Course
from lms.courses.selectors import can_manage_course

PREVIEW = "preview"


def _managed_course(request: HttpRequest, course_id: int) -> Course:
    return course_or_404(request, course_id, can_manage_course)


def _managed_assignment(request: HttpRequest, assignment_id: int) -> Assignment:
    return assignment_or_404(request, assignment_id, can_manage_course)


def _managed_question(request: HttpRequest, assignment_id: int, question_id: int) -> Question:
    assignment = _managed_assignment(request, assignment_id)
    # Choices, criteria and their levels in three queries, however long the rubric.
    questions = assignment.questions.prefetch_related("choices", "criteria__levels", "skills")
    question = get_object_or_404(questions, pk=question_id)
    question.assignment = assignment  # the course is loaded already
    return question


def _save_settings(
    request: HttpRequest, form: AssignmentForm, assignment: Assignment | None
) -> Assignment:
    """Create or update the assignment, with its new category if one was named: both or none."""
    user, data = signed_in(request), form.cleaned_data
    with transaction.atomic():
        category = data["category"]
        if data["new_category"]:
            category = category_create(
                actor=user,
                course=form.course,
                name=data["new_category"],
                weight=data["new_category_weight"] or 0,
            )
        if assignment is None:
            return assignment_create(
                actor=user,
                course=form.course,
                title=data["title"],
                category=category,
                **form.settings(),
            )
        return assignment_update(
            actor=user,
            assignment=assignment,
            title=data["title"],
            category=category,
            **form.settings(),
        )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_new(request: HttpRequest, course_id: int) -> HttpResponse:
    """A new, unpublished assignment; questions are added on its page once it is saved."""
    course = _managed_course(request, course_id)
    form = AssignmentForm(request.POST or None, course=course)
    preview = None
    if request.method == "POST":
        if PREVIEW in request.POST:
            preview = render_markdown(request.POST.get("instructions", ""))
            without_errors(form)
        elif form.is_valid():
            try:
                assignment = _save_settings(request, form, None)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"“{assignment.title}” created. Now add its questions.")
                return redirect("assignments:edit", assignment_id=assignment.pk)
    context = {"course": course, "form": form, "preview": preview}
    return render(request, "assignments/editor/new.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The assignment's settings and its questions in order, with publishing."""
    assignment = _managed_assignment(request, assignment_id)
    saved_title = assignment.title
    form = AssignmentForm(request.POST or None, course=assignment.course, instance=assignment)
    preview = None
    if request.method == "POST":
        if PREVIEW in request.POST:
            preview = render_markdown(request.POST.get("instructions", ""))
            without_errors(form)
        elif form.is_valid():
            try:
                _save_settings(request, form, assignment)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Settings saved.")
                return redirect("assignments:edit", assignment_id=assignment.pk)
    questions = list(
        assignment.questions.order_by("position", "id").prefetch_related("skills", "criteria")
    )
    context = {
        "course": assignment.course,
        "assignment": assignment,
        "saved_title": saved_title,
        "form": form,
        "preview": preview,
        "questions": questions,
        "points_possible": sum((q.points for q in questions), start=0),
        "locked": has_submitted_work(assignment),
        "kinds": Question.Kind.choices,
    }
    return render(request, "assignments/editor/edit.html", context)


@login_required
@require_POST
def assignment_publish_toggle(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = _managed_assignment(request, assignment_id)
    publish = request.POST.get("published") == "1"
    try:
        assignment_publish(actor=signed_in(request), assignment=assignment, published=publish)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, "Published: students can see it." if publish else "Unpublished: hidden again."
        )
    return redirect("assignments:edit", assignment_id=assignment.pk)


@login_required
@require_POST
def markdown_preview(request: HttpRequest, course_id: int) -> HttpResponse:
    """The Markdown of one field rendered as students will see it (htmx swaps it in)."""
    _managed_course(request, course_id)
    field = request.POST.get("field", "")
    text = request.POST.get(field, "") if field in ("instructions", "prompt") else ""
    return render(request, "assignments/editor/preview.html", {"preview": render_markdown(text)})


def _question_page(
    request: HttpRequest,
    *,
    assignment: Assignment,
    kind: str,
    question: Question | None,
) -> HttpResponse:
    locked = has_submitted_work(assignment)
    if locked and question is None:
        # The editor offers no "add" once students submitted; a stale page or link ends here.
        messages.error(request, LOCKED_QUESTIONS)
        return redirect("assignments:edit", assignment_id=assignment.pk)
    options: dict[str, Any] = {
        "kind": kind,
        "course": assignment.course,
        "question": question,
        "locked": locked,
    }
    preview = None
    if request.method != "POST":
        editor = QuestionEditor(None, **options)
    elif "add" in request.POST and not locked:
        editor = QuestionEditor.add_row(request.POST, request.POST["add"], **options)
    elif PREVIEW in request.POST:
        editor = QuestionEditor.add_row(request.POST, "", **options)
        preview = render_markdown(request.POST.get("prompt", ""))
    else:
        editor = QuestionEditor(request.POST, **options)
        if editor.is_valid():
            try:
                _save_question(request, editor, assignment, kind, question)
            except ValidationError as exc:
                editor.add_service_error(exc)
            else:
                return redirect("assignments:edit", assignment_id=assignment.pk)
    context = {
        "course": assignment.course,
        "assignment": assignment,
        "question": question,
        "kind_label": Question.Kind(kind).label,
        "editor": editor,
        "locked": locked,
        "preview": preview,
    }
    return render(request, "assignments/editor/question.html", context)


def _save_question(
    request: HttpRequest,
    editor: QuestionEditor,
    assignment: Assignment,
    kind: str,
    question: Question | None,
) -> None:
    user = signed_in(request)
    if question is None:
        question_create(actor=user, assignment=assignment, kind=kind, **editor.service_kwargs())
        messages.success(request, "Question added.")
    else:
        question_update(actor=user, question=question, **editor.service_kwargs())
        messages.success(request, "Question saved.")


@login_required
@require_http_methods(["GET", "POST"])
def question_new(request: HttpRequest, assignment_id: int, kind: str) -> HttpResponse:
    assignment = _managed_assignment(request, assignment_id)
    if kind not in Question.Kind.values:
        raise Http404("No such question kind.")
    return _question_page(request, assignment=assignment, kind=kind, question=None)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, assignment_id: int, question_id: int) -> HttpResponse:
    question = _managed_question(request, assignment_id, question_id)
    return _question_page(
        request, assignment=question.assignment, kind=question.kind, question=question
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_remove(request: HttpRequest, assignment_id: int, question_id: int) -> HttpResponse:
    """Ask, then delete the question (refused once students have submitted)."""
    question = _managed_question(request, assignment_id, question_id)
    error = ""
    if request.method == "POST":
        try:
            question_delete(actor=signed_in(request), question=question)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, "Question deleted.")
            return redirect("assignments:edit", assignment_id=assignment_id)
    context = {
        "course": question.assignment.course,
        "assignment": question.assignment,
        "question": question,
        "error": error,
    }
    return render(request, "assignments/editor/question_delete.html", context)


@login_required
@require_POST
def question_move(request: HttpRequest, assignment_id: int, question_id: int) -> HttpResponse:
    """Move a question one place up or down."""
    question = _managed_question(request, assignment_id, question_id)
    assignment = question.assignment
    order = list(assignment.questions.order_by("position", "id").values_list("pk", flat=True))
    index = order.index(question.pk)
    other = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        question_reorder(actor=signed_in(request), assignment=assignment, question_ids=order)
        messages.success(request, f"Question moved to place {other + 1}.")
    return redirect("assignments:edit", assignment_id=assignment_id)


@login_required
@require_http_methods(["GET", "POST"])
def extensions(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The students' extensions on this assignment, and a form to give (or replace) one."""
    assignment = _managed_assignment(request, assignment_id)
    form = ExtensionForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            extension_grant(
                actor=signed_in(request),
                assignment=assignment,
                student=data["student"],
                due_at=data["due_at"],
                lock_at=data["lock_at"],
                extra_attempts=data["extra_attempts"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Extension saved for {data['student']}.")
            return redirect("assignments:extensions", assignment_id=assignment.pk)
    context = {
        "course": assignment.course,
        "assignment": assignment,
        "form": form,
        "extensions": Extension.objects.filter(assignment=assignment)
        .select_related("student")
        .order_by("student__display_name", "student__email"),
    }
    return render(request, "assignments/editor/extensions.html", context)


@login_required
@require_POST
def extension_remove(request: HttpRequest, assignment_id: int, extension_id: int) -> HttpResponse:
    assignment = _managed_assignment(request, assignment_id)
    extension = get_object_or_404(
        Extension.objects.select_related("student"), pk=extension_id, assignment=assignment
    )
    extension.assignment = assignment
    extension_revoke(actor=signed_in(request), extension=extension)
    messages.success(request, f"Extension of {extension.student} removed.")
    return redirect("assignments:extensions", assignment_id=assignment.pk)

"""Student pages: take an assignment (draft, review, submit) and see a submission with its feedback.

Views are thin: they find the rows the user may see (404 otherwise, so ids reveal nothing), build
the form, and call one service. Teachers and TAs see the assignment page as a preview and may open
any submission of their course; a student only their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from lms.accounts.models import User
from lms.assignments.feedback import feedback_context
from lms.assignments.forms import AnswersForm, initial_from
from lms.assignments.models import Answer, Assignment, Question, Submission
from lms.assignments.pages import late_policy_words, penalty_words, standing_for, when
from lms.assignments.services import submission_save_draft, submission_submit
from lms.core.access import signed_in
from lms.core.forms import add_service_errors
from lms.courses.models import Enrollment
from lms.courses.selectors import can_grade_course, enrollment_for
from lms.grading.models import GradeState
from lms.grading.selectors import submission_total

SAVE, REVIEW = "save", "review"


@dataclass(frozen=True)
class Access:
    assignment: Assignment
    is_student: bool  # an active student of the course: may work on the assignment
    can_manage: bool  # a teacher of the course, or site staff: may edit it


def _assignment_access(user: User, assignment_id: int) -> Access:
    """The assignment, if the user may see it: its course's members (students only once it is
    published) and site staff. Everyone else gets 404."""
    assignment = get_object_or_404(Assignment.objects.select_related("course"), pk=assignment_id)
    enrollment = enrollment_for(user=user, course=assignment.course)
    is_student = enrollment is not None and enrollment.role == Enrollment.Role.STUDENT
    if is_student and not assignment.is_published:
        raise Http404("No such assignment.")
    if enrollment is None and not user.is_staff:
        raise Http404("No such assignment.")
    is_teacher = enrollment is not None and enrollment.role == Enrollment.Role.TEACHER
    return Access(assignment, is_student, can_manage=user.is_staff or is_teacher)


def _questions(assignment: Assignment) -> list[Question]:
    return list(assignment.questions.prefetch_related("choices").order_by("position", "id"))


def _draft_answers(submission: Submission | None) -> list[Answer]:
    if submission is None:
        return []
    return list(submission.answers.select_related("question").prefetch_related("choices"))


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The assignment with its questions: a student saves a draft or goes on to submit it."""
    user = signed_in(request)
    access = _assignment_access(user, assignment_id)
    assignment = access.assignment
    if request.method == "POST" and not access.is_student:
        raise PermissionDenied("Only the course's students submit work.")
    questions = _questions(assignment)
    standing = standing_for(assignment, user, now=timezone.now()) if access.is_student else None
    if request.method == "POST":
        form = AnswersForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                submission_save_draft(
                    student=user, assignment=assignment, answers=form.to_answers()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if REVIEW in request.POST:
                    return redirect("assignments:confirm", assignment_id=assignment.pk)
                saved = when(timezone.now())
                messages.success(request, f"Draft saved at {saved}. It is not submitted yet.")
                return redirect("assignments:detail", assignment_id=assignment.pk)
    else:
        draft = standing.draft if standing else None
        form = AnswersForm(questions=questions, initial=initial_from(_draft_answers(draft)))
    context = {
        "assignment": assignment,
        "course": assignment.course,
        "form": form,
        "is_student": access.is_student,
        "can_manage": access.can_manage,
        "standing": standing,
        "due": standing.due if standing else assignment.due_at,
        "late_policy": late_policy_words(
            assignment, lock=standing.lock if standing else assignment.lock_at
        ),
        "instructions_html": assignment.instructions_html,
        "points_possible": sum((q.points for q in questions), start=0),
    }
    return render(request, "assignments/detail.html", context)


def _draft_token(draft: Submission) -> str:
    """Identifies the draft as reviewed: another tab saving it since then changes the token."""
    return f"{draft.pk}:{draft.updated_at.timestamp():.6f}"


@login_required
@require_http_methods(["GET", "POST"])
def assignment_confirm(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The confirmation step: the saved answers as they will be submitted, then submit."""
    user = signed_in(request)
    access = _assignment_access(user, assignment_id)
    if not access.is_student:
        raise PermissionDenied("Only the course's students submit work.")
    assignment = access.assignment
    now = timezone.now()
    standing = standing_for(assignment, user, now=now)
    detail_url = reverse("assignments:detail", args=[assignment.pk])
    if standing.draft is None:
        messages.info(request, "There is nothing to submit yet: answer the questions first.")
        return redirect(detail_url)
    error = ""
    if request.method == "POST":
        if request.POST.get("draft") != _draft_token(standing.draft):
            error = "Your answers changed since you reviewed them (in another tab?): check again."
        else:
            try:
                submission = submission_submit(student=user, assignment=assignment, answers={})
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, f"Attempt {submission.attempt} submitted.")
                return redirect("assignments:submission", submission_id=submission.pk)
    questions = _questions(assignment)
    answers = {a.question_id: a for a in _draft_answers(standing.draft)}
    context = {
        "assignment": assignment,
        "course": assignment.course,
        "standing": standing,
        "draft_token": _draft_token(standing.draft),
        "rows": [(n, q, answers.get(q.id)) for n, q in enumerate(questions, start=1)],
        "unanswered": sum(1 for q in questions if q.id not in answers),
        "late": standing.is_late_at(now),
        "late_policy": late_policy_words(assignment, lock=standing.lock),
        "error": error or standing.refusal,
        "detail_url": detail_url,
    }
    return render(request, "assignments/confirm.html", context)


def _submission_access(user: User, submission_id: int) -> tuple[Submission, bool]:
    """The submitted attempt and whether the user sees it as its teacher; 404 for anyone else."""
    submission = get_object_or_404(
        Submission.objects.select_related("assignment__course", "student"),
        pk=submission_id,
        status=Submission.Status.SUBMITTED,
    )
    if submission.student_id == user.pk:
        return submission, False
    if can_grade_course(user=user, course=submission.assignment.course):
        return submission, True
    raise Http404("No such submission.")


def _answer_rows(submission: Submission, *, as_teacher: bool) -> list[dict[str, object]]:
    """Every question of the attempt with its answer and the grade this viewer may see."""
    questions = _questions(submission.assignment)
    answers = {
        answer.question_id: answer
        for answer in submission.answers.select_related("grade").prefetch_related(
            "choices", "grade__levels__criterion"
        )
    }
    rows = []
    for number, question in enumerate(questions, start=1):
        answer = answers.get(question.id)
        grade = getattr(answer, "grade", None) if answer else None
        if grade is not None and not as_teacher and grade.state != GradeState.RELEASED:
            grade = None
        rows.append({"number": number, "question": question, "answer": answer, "grade": grade})
    return rows


@login_required
@require_GET
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    """One submitted attempt: the answers, the AI feedback the viewer may see, released grades."""
    user = signed_in(request)
    submission, as_teacher = _submission_access(user, submission_id)
    total = submission_total(submission, released_only=not as_teacher)
    context = {
        "submission": submission,
        "assignment": submission.assignment,
        "course": submission.assignment.course,
        "as_teacher": as_teacher,
        "rows": _answer_rows(submission, as_teacher=as_teacher),
        "total": total,
        "penalty_words": penalty_words(submission, total),
        **feedback_context(submission=submission, viewer=user),
    }
    return render(request, "assignments/submission.html", context)


@login_required
@require_GET
def submission_feedback(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The AI feedback part of the submission page alone, polled by htmx until it is complete."""
    user = signed_in(request)
    submission, _ = _submission_access(user, submission_id)
    context = {"submission": submission, **feedback_context(submission=submission, viewer=user)}
    return render(request, "assignments/partials/feedback.html", context)

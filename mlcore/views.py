"""Teacher pages of the AI feedback loop: a question's model page and its grading queue.

Thin adapters: each view checks that the user teaches or assists the question's course (anyone
else gets 404, so ids reveal nothing), then calls one selector or service. The live parts answer
htmx requests with a partial; every form also works without JavaScript (post, then redirect).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from lms.accounts.models import User
from lms.assignments.models import Answer, Question
from lms.core.access import signed_in
from lms.core.forms import add_service_errors
from lms.courses.selectors import can_grade_course
from lms.grading.models import Grade
from mlcore.charts import loss_chart
from mlcore.forms import ACTIONS, DecisionForm, ScoringModelForm
from mlcore.models import ModelVersion, TrainingRun
from mlcore.selectors.registry import ModelPage, model_page
from mlcore.selectors.review import (
    ORDERS,
    STATES,
    GradingQueue,
    QueueItem,
    agreement_for_question,
    grading_queue,
    grading_queue_item,
    question_number,
    suggested_grades,
)
from mlcore.services.registry import scoring_model_for, scoring_model_update, version_activate
from mlcore.services.review import (
    answer_grade,
    suggestion_accept,
    suggestion_edit,
    suggestion_reject,
    suggestions_accept,
)
from mlcore.services.training import training_run_cancel, training_run_start


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _staff_question(request: HttpRequest, question_id: int) -> Question:
    """The text question, if the user grades its course; 404 for everyone else."""
    question = get_object_or_404(
        Question.objects.select_related("assignment__course"), pk=question_id
    )
    course = question.assignment.course
    if not question.is_text or not can_grade_course(user=signed_in(request), course=course):
        raise Http404("No such question.")
    return question


def _page_context(question: Question) -> dict[str, Any]:
    """What both full pages show in their heading."""
    return {
        "question": question,
        "number": question_number(question),
        "assignment": question.assignment,
        "course": question.assignment.course,
    }


# --- The question's model page ----------------------------------------------------------------


def _model_url(question: Question) -> str:
    return reverse("mlcore:question_model", kwargs={"question_id": question.pk})


def _status_text(page: ModelPage) -> str:
    """One line on the newest run, for the status line that screen readers hear change."""
    if not page.runs:
        return ""
    run = page.runs[0]
    words = f"Run {run.pk}: {run.get_status_display().lower()}"
    detail = run.stage if not run.is_finished else (run.decision or run.error)
    return f"{words}, {detail}" if detail else words


def _runs_context(request: HttpRequest, page: ModelPage) -> dict[str, Any]:
    charts = [(run, loss_chart(run.loss_curve)) for run in page.runs]
    return {
        "question": page.question,
        "page": page,
        "charts": [(run, chart) for run, chart in charts if chart is not None],
        "status_text": _status_text(page),
        "live": _is_htmx(request),
    }


def _runs_response(request: HttpRequest, question: Question) -> HttpResponse:
    """The runs section, wrapper included (it starts or stops the polling)."""
    context = _runs_context(request, model_page(question=question))
    return render(request, "mlcore/partials/runs_section.html", context)


@login_required
def question_model(request: HttpRequest, question_id: int) -> HttpResponse:
    """The question's AI model: settings, training runs with live progress, versions, agreement."""
    question = _staff_question(request, question_id)
    page = model_page(question=question)
    form = ScoringModelForm(request.POST or None, instance=page.scoring_model)
    if request.method == "POST" and form.is_valid():
        try:
            scoring_model_update(
                actor=signed_in(request),
                scoring_model=scoring_model_for(question),
                **{name: form.cleaned_data[name] for name in ScoringModelForm.Meta.fields},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Settings saved. They apply from the next training run.")
            return redirect(_model_url(question))
    context = {
        **_runs_context(request, page),
        **_page_context(question),
        "form": form,
        "agreement": agreement_for_question(question=question),
    }
    return render(request, "mlcore/question_model.html", context)


@login_required
@require_GET
def model_runs(request: HttpRequest, question_id: int) -> HttpResponse:
    """The runs, polled every second while one is queued or running. Once none is, the answer
    has status 286 (htmx stops polling) and asks the page to reload its versions."""
    question = _staff_question(request, question_id)
    context = _runs_context(request, model_page(question=question))
    response = render(request, "mlcore/partials/runs.html", context)
    if not context["page"].in_flight:
        response.status_code = 286
        response["HX-Trigger"] = "ml-run-finished"
    return response


@login_required
@require_GET
def model_versions(request: HttpRequest, question_id: int) -> HttpResponse:
    """The versions and agreement figures, reloaded when a run finishes."""
    question = _staff_question(request, question_id)
    context = {
        "question": question,
        "page": model_page(question=question),
        "agreement": agreement_for_question(question=question),
    }
    return render(request, "mlcore/partials/versions.html", context)


@login_required
@require_POST
def model_train(request: HttpRequest, question_id: int) -> HttpResponse:
    """Start a training run now (or show the one already queued or running)."""
    question = _staff_question(request, question_id)
    run = training_run_start(actor=signed_in(request), scoring_model=scoring_model_for(question))
    if _is_htmx(request):
        return _runs_response(request, question)
    messages.success(request, f"Training run {run.pk} is {run.get_status_display().lower()}.")
    return redirect(_model_url(question) + "#runs-heading")


@login_required
@require_POST
def run_cancel(request: HttpRequest, question_id: int, run_id: int) -> HttpResponse:
    """Cancel a queued or running run."""
    question = _staff_question(request, question_id)
    run = get_object_or_404(TrainingRun, pk=run_id, scoring_model__question=question)
    run = training_run_cancel(actor=signed_in(request), run=run)
    if _is_htmx(request):
        return _runs_response(request, question)
    messages.success(request, f"Training run {run.pk}: {run.stage or run.get_status_display()}.")
    return redirect(_model_url(question) + "#runs-heading")


@login_required
@require_POST
def version_restore(request: HttpRequest, question_id: int, version_id: int) -> HttpResponse:
    """Make an earlier version the active one again; ungraded answers are then rescored."""
    question = _staff_question(request, question_id)
    version = get_object_or_404(ModelVersion, pk=version_id, scoring_model__question=question)
    try:
        version_activate(actor=signed_in(request), version=version, reason="restored by a teacher")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Version {version.number} is active; ungraded answers are being rescored."
        )
    return redirect(_model_url(question) + "#versions-heading")


# --- Grading queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _QueueView:
    """The queue's order, filter and page, as the query string carries them between requests
    (unknown values fall back to the defaults)."""

    order: str = "position"
    state: str = "review"
    page: str = "1"

    @classmethod
    def of(cls, request: HttpRequest) -> _QueueView:
        order, state = request.GET.get("order", ""), request.GET.get("state", "")
        page = request.GET.get("page", "1")
        return cls(
            order if order in ORDERS else cls.order,
            state if state in STATES else cls.state,
            page if page.isdigit() else cls.page,
        )

    @property
    def query(self) -> str:
        return urlencode({"order": self.order, "state": self.state, "page": self.page})

    def url(self, question: Question, anchor: str = "") -> str:
        url = reverse("mlcore:queue", kwargs={"question_id": question.pk})
        return f"{url}?{self.query}" + (f"#{anchor}" if anchor else "")

    def load(self, question: Question) -> GradingQueue:
        return grading_queue(question=question, order=self.order, state=self.state, page=self.page)


def _decision_form(item: QueueItem, queue: GradingQueue, data: Any = None) -> DecisionForm:
    grade, prediction = item.grade, item.prediction
    points: Decimal | None = grade.points if grade is not None else None
    if points is None and prediction is not None and queue.suggestions_enabled:
        points = prediction.score
    initial: dict[str, Any] = {
        "points": points,
        "comment": grade.comment if grade is not None else "",
        "shown_points": grade.points if grade is not None else None,
    }
    if grade is not None:
        initial |= {f"criterion_{level.criterion_id}": level.pk for level in grade.levels.all()}
    return DecisionForm(
        data,
        prefix=f"a{item.answer.pk}",
        question=queue.question,
        criteria=queue.criteria,
        initial=initial,
    )


def _queue_context(
    queue: GradingQueue, view: _QueueView, bound: dict[int, DecisionForm] | None = None
) -> dict[str, Any]:
    """The page's context: each item with its form (`bound` ones keep what was typed)."""
    bound = bound or {}

    def row(item: QueueItem) -> tuple[QueueItem, DecisionForm]:
        return item, bound.get(item.answer.pk) or _decision_form(item, queue)

    return {
        **_page_context(queue.question),
        "queue": queue,
        "rows": [row(item) for item in queue.items],
        "cluster_rows": [(c, [row(item) for item in c.items]) for c in queue.clusters],
        "orders": ORDERS,
        "state_choices": [(k, label, queue.counts.get(k, 0)) for k, label in STATES.items()],
        "state_label": STATES[queue.state],
        "view": view,
    }


@login_required
@require_GET
def queue(request: HttpRequest, question_id: int) -> HttpResponse:
    """The question's answers to review, each with the AI suggestion beside it."""
    question = _staff_question(request, question_id)
    view = _QueueView.of(request)
    return render(request, "mlcore/grading_queue.html", _queue_context(view.load(question), view))


def _decide(actor: User, answer: Answer, grade: Grade | None, form: DecisionForm) -> Grade:
    data = form.cleaned_data
    action = data["action"]
    points, comment, shown = data.get("points"), data.get("comment", ""), data.get("shown_points")
    if action == "grade" or grade is None:
        return answer_grade(
            actor=actor, answer=answer, points=points, comment=comment, levels=form.levels()
        )
    if action == "accept":
        return suggestion_accept(actor=actor, grade=grade, shown_points=shown)
    if action == "edit":
        return suggestion_edit(
            actor=actor,
            grade=grade,
            points=points,
            comment=comment,
            levels=form.levels(),
            shown_points=shown,
        )
    assert points is not None  # DecisionForm.clean requires them to reject
    return suggestion_reject(
        actor=actor, grade=grade, points=points, comment=comment, shown_points=shown
    )


@login_required
@require_POST
def queue_decide(request: HttpRequest, question_id: int, answer_id: int) -> HttpResponse:
    """Accept, edit or reject one answer's suggestion (or grade it); htmx gets the row back."""
    question = _staff_question(request, question_id)
    view = _QueueView.of(request)
    one = grading_queue_item(question=question, answer_id=answer_id)
    if one is None:
        raise Http404("No such answer.")
    item = one.items[0]
    form = _decision_form(item, one, request.POST)
    done = ""
    if form.is_valid():
        try:
            _decide(signed_in(request), item.answer, item.grade, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = ACTIONS[form.cleaned_data["action"]]
    if not _is_htmx(request):
        if done:
            messages.success(request, f"Saved: {done}.")
            return redirect(view.url(question, f"answer-{answer_id}"))
        context = _queue_context(view.load(question), view, {answer_id: form})
        return render(request, "mlcore/grading_queue.html", context)
    if done:
        one = grading_queue_item(question=question, answer_id=answer_id)
        assert one is not None  # it was there a moment ago, and answers are not deleted here
        item, form = one.items[0], _decision_form(one.items[0], one)
    context = {**_queue_context(one, view), "item": item, "form": form, "done": done}
    return render(request, "mlcore/partials/queue_item.html", context)


def _shown_points(request: HttpRequest) -> dict[int, Decimal]:
    """Answer id -> the suggested points the page showed, from the cluster's accept-all form."""
    try:
        ids = [int(value) for value in request.POST.getlist("answer")]
        return {pk: Decimal(request.POST[f"shown-{pk}"]) for pk in ids}
    except (ValueError, KeyError, ArithmeticError) as exc:
        # The page always sends both; anything else was not typed by a teacher.
        raise SuspiciousOperation("malformed accept-all form") from exc


@login_required
@require_POST
def queue_accept_many(request: HttpRequest, question_id: int) -> HttpResponse:
    """Accept the AI suggestions of the answers shown in a cluster, all or none."""
    question = _staff_question(request, question_id)
    view = _QueueView.of(request)
    shown = _shown_points(request)
    grades = suggested_grades(question=question, answer_ids=list(shown))
    if len(grades) != len(shown):
        messages.error(
            request, "Some of these answers were decided meanwhile; nothing was accepted."
        )
    else:
        try:
            suggestions_accept(
                actor=signed_in(request), shown=[(g, shown[g.answer_id]) for g in grades]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages) + " Nothing was accepted.")
        else:
            messages.success(request, f"Accepted {len(grades)} AI suggestions.")
    return redirect(view.url(question))

"""Reads of the model registry for a question's model page: its settings, training runs (status,
progress, stage, loss curve, decision), versions (held-out metrics, active, broken, pruned).

    page = model_page(question=question)     # five queries, however many runs and versions
    page.active          # the version scoring the question now, or None (similarity fallback)
    page.in_flight       # the queued or running run, if any (the page polls while there is one)
    page.runs[0].loss_curve   # [{"family": "mlp", "epoch": 1, "train_loss": .., "val_loss": ..,
                              #   "val_metric": ..}, ...]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from lms.assignments.models import Question, Submission
from lms.grading.models import Grade, GradeSource, GradeState
from mlcore.models import ModelVersion, ScoringModel, TrainingRun
from mlcore.services.training_data import MIN_TRAINING_GRADES, teacher_decision_events

RUNS_SHOWN = 20
VERSIONS_SHOWN = 50


@dataclass(frozen=True)
class ModelPage:
    question: Question
    #: Unsaved (with the defaults) until the question is first scored or its settings saved.
    scoring_model: ScoringModel
    runs: list[TrainingRun]  # newest first, `RUNS_SHOWN` at most, with `started_by`, `version`
    versions: list[ModelVersion]  # newest first, each with `run`
    teacher_grades: int  # teacher-decided grades a run would learn from (blank answers too)
    new_grades: int  # teacher decisions since the last run was created: the retrain counter

    @property
    def active(self) -> ModelVersion | None:
        return next((v for v in self.versions if v.is_active), None)

    @property
    def broken(self) -> list[ModelVersion]:
        return [v for v in self.versions if v.status == ModelVersion.Status.BROKEN]

    @property
    def in_flight(self) -> TrainingRun | None:
        return next((r for r in self.runs if not r.is_finished), None)

    @property
    def min_grades(self) -> int:
        return MIN_TRAINING_GRADES

    @property
    def can_train(self) -> bool:
        return self.teacher_grades >= MIN_TRAINING_GRADES


def _teacher_grades(question: Question) -> int:
    return Grade.objects.filter(
        answer__question=question,
        answer__submission__status=Submission.Status.SUBMITTED,
        source=GradeSource.TEACHER,
        state__in=(GradeState.DRAFT, GradeState.RELEASED),
    ).count()


def _new_grades(question: Question, since: datetime | None) -> int:
    events = teacher_decision_events().filter(grade__answer__question=question)
    if since is not None:
        events = events.filter(created_at__gt=since)
    return events.values("grade_id").distinct().count()


def model_page(*, question: Question) -> ModelPage:
    """Everything the question's model page shows, in a constant number of queries."""
    scoring_model = ScoringModel.objects.filter(question=question).first()
    if scoring_model is None:
        scoring_model = ScoringModel(
            question=question, retrain_threshold=settings.AULA_RETRAIN_THRESHOLD
        )
        return ModelPage(question, scoring_model, [], [], _teacher_grades(question), 0)
    runs = list(
        TrainingRun.objects.filter(scoring_model=scoring_model)
        .select_related("started_by", "version")
        .order_by("-created_at", "-id")[:RUNS_SHOWN]
    )
    versions = list(
        ModelVersion.objects.filter(scoring_model=scoring_model)
        .select_related("run")
        .order_by("-number")[:VERSIONS_SHOWN]
    )
    since = runs[0].created_at if runs else None
    return ModelPage(
        question,
        scoring_model,
        runs,
        versions,
        _teacher_grades(question),
        _new_grades(question, since),
    )

"""The model registry's writes: scoring models, versions, activation, restore, broken artifacts.

One version at most is active per question (a partial unique constraint backs it). Every change
of the active version happens here, in one transaction that holds the row lock of the question's
`ScoringModel`, so that a promotion, a restore and a broken artifact never race each other; the
ungraded answers are then rescored by `mlcore.rescore_question`, enqueued when the transaction
commits.

    scoring_model = scoring_model_for(question)          # get-or-create (text questions only)
    version_activate(actor=teacher, version=v2, reason="restore")    # v2 is active, v3 is not
    version_mark_broken(version=v3, reason="artifact missing")      # v2 (if ready) takes over

Permission: teachers and TAs of the course (and site staff); `actor=None` is the system (a
training run's promotion, a worker that found a corrupt artifact).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Question
from lms.courses.models import Course, Enrollment
from lms.courses.selectors import can_grade_course
from mlcore.artifacts import artifact_delete
from mlcore.models import Family, Loss, ModelVersion, ScoringModel, TrainingRun

logger = logging.getLogger(__name__)

BROKEN_REASON_MAX_CHARS = 2000


def require_model_manager(actor: User | None, scoring_model: ScoringModel) -> None:
    """`None` is the system; anyone else must teach or assist the question's course."""
    if actor is None:
        return
    course = Course.objects.get(assignments__questions__scoring_model=scoring_model)
    if not can_grade_course(user=actor, course=course):
        raise PermissionDenied("Only the course's teachers and TAs can manage its AI models.")


def scoring_model_lock(scoring_model_id: int) -> ScoringModel:
    """Lock the question's scoring model: every change of its active version holds this lock."""
    return ScoringModel.objects.select_for_update().get(pk=scoring_model_id)


def scoring_model_for(question: Question) -> ScoringModel:
    """The question's scoring model, created on first use; refuses questions that are not text."""
    if not question.is_text:
        raise ValidationError(
            f"Only short text and essay questions have an AI scoring model, not {question.kind}."
        )
    # get_or_create retries the read when a concurrent create wins the unique constraint.
    scoring_model, _ = ScoringModel.objects.get_or_create(
        question=question, defaults={"retrain_threshold": settings.AULA_RETRAIN_THRESHOLD}
    )
    return scoring_model


@transaction.atomic
def scoring_model_update(
    *,
    actor: User,
    scoring_model: ScoringModel,
    family: str | None = None,
    loss: str | None = None,
    retrain_threshold: int | None = None,
    suggestions_enabled: bool | None = None,
) -> ScoringModel:
    """Change how a question is scored; `None` keeps a setting. Applies to the next training run."""
    require_model_manager(actor, scoring_model)
    if family is not None and family not in Family.values:
        raise ValidationError(f"Unknown model family {family!r}.")
    if loss is not None and loss not in Loss.values:
        raise ValidationError(f"Unknown loss {loss!r}.")
    if retrain_threshold is not None and retrain_threshold < 1:
        raise ValidationError("Retrain after at least one new teacher grade.")
    locked = scoring_model_lock(scoring_model.pk)
    changes = {
        "family": family,
        "loss": loss,
        "retrain_threshold": retrain_threshold,
        "suggestions_enabled": suggestions_enabled,
    }
    for field, value in changes.items():
        if value is not None:
            setattr(locked, field, value)
    locked.save()
    return locked


def _enqueue_rescore(scoring_model_id: int) -> None:
    # Imported here: the task modules import the services, so a module-level import would cycle.
    from mlcore.tasks.scoring import rescore_question_task

    rescore_question_task.delay_on_commit(scoring_model_id)


def _switch_active(scoring_model: ScoringModel, version: ModelVersion | None) -> None:
    """Make `version` (or none) the active one. The caller holds the scoring model's lock."""
    # Deactivate first: the one-active constraint is checked statement by statement.
    others = ModelVersion.objects.filter(scoring_model=scoring_model, is_active=True)
    if version is not None:
        others = others.exclude(pk=version.pk)
    others.update(is_active=False)
    if version is not None and not version.is_active:
        version.is_active = True
        version.activated_at = timezone.now()
        version.save(update_fields=["is_active", "activated_at"])
    _enqueue_rescore(scoring_model.pk)


@transaction.atomic
def version_activate(
    *, actor: User | None, version: ModelVersion, reason: str = ""
) -> ModelVersion:
    """Make a READY version the question's active one (a promotion or a restore of any earlier
    version), then rescore the ungraded answers. Already active: nothing changes."""
    scoring_model = scoring_model_lock(version.scoring_model_id)
    require_model_manager(actor, scoring_model)
    version = ModelVersion.objects.get(pk=version.pk)
    if version.status != ModelVersion.Status.READY:
        raise ValidationError(
            f"Version {version.number} cannot be activated: {version.get_status_display()}."
        )
    if version.is_active:
        return version
    _switch_active(scoring_model, version)
    logger.info(
        "activated v%s of question %s by %s: %s",
        version.number,
        scoring_model.question_id,
        actor or "the system",
        reason or "no reason given",
    )
    return version


@transaction.atomic
def version_mark_broken(*, version: ModelVersion, reason: str) -> ModelVersion | None:
    """Mark a version's artifact broken (missing or corrupt) and tell the course's teachers.

    If it was active, the newest other READY version takes over (none: the similarity fallback
    scores the question). Returns the active version afterwards. Marking it twice does nothing.
    """
    scoring_model = scoring_model_lock(version.scoring_model_id)
    version = ModelVersion.objects.get(pk=version.pk)
    if version.status != ModelVersion.Status.READY:
        return ModelVersion.objects.filter(scoring_model=scoring_model, is_active=True).first()
    was_active = version.is_active
    version.status = ModelVersion.Status.BROKEN
    version.broken_reason = reason[:BROKEN_REASON_MAX_CHARS]
    version.is_active = False
    version.save(update_fields=["status", "broken_reason", "is_active"])
    active = ModelVersion.objects.filter(scoring_model=scoring_model, is_active=True).first()
    if was_active:
        active = (
            ModelVersion.objects.filter(
                scoring_model=scoring_model, status=ModelVersion.Status.READY
            )
            .order_by("-number")
            .first()
        )
        _switch_active(scoring_model, active)
    logger.warning(
        "v%s of question %s is broken (%s); active now: %s",
        version.number,
        scoring_model.question_id,
        reason,
        f"v{active.number}" if active else "the similarity fallback",
    )
    from mlcore.tasks.maintenance import notify_version_broken_task  # see _enqueue_rescore

    notify_version_broken_task.delay_on_commit(version.pk)
    return active


def _model_page_url(question: Question) -> str:
    # F3's page; the e-mail still goes out (without a link) when its URL is not mounted.
    try:
        path = reverse("mlcore:question_model", kwargs={"question_id": question.pk})
    except NoReverseMatch:
        return ""
    site: str = settings.SITE_URL
    return site.rstrip("/") + path


def version_broken_notify(*, version_id: int) -> int:
    """E-mail every teacher of the course that a version is broken; returns how many were sent."""
    version = ModelVersion.objects.select_related(
        "scoring_model__question__assignment__course"
    ).get(pk=version_id)
    question = version.scoring_model.question
    course = question.assignment.course
    emails = list(
        Enrollment.objects.filter(course=course, role=Enrollment.Role.TEACHER, is_active=True)
        .exclude(user__is_active=False)
        .values_list("user__email", flat=True)
    )
    active = ModelVersion.objects.filter(
        scoring_model=version.scoring_model, is_active=True
    ).first()
    now_scoring = f"version {active.number}" if active else "similarity to the reference answers"
    subject = f"[{course.code}] AI model version {version.number} is broken"
    body = (
        f"The AI scoring model version {version.number} of question {question.position} "
        f'in "{question.assignment.title}" can no longer be used:\n\n'
        f"{version.broken_reason}\n\n"
        f"Answers to this question are now scored with {now_scoring}.\n"
        "You can restore another version or train a new one on the question's model page."
    )
    url = _model_page_url(question)
    if url:
        body += f"\n\n{url}"
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in emails]
    return send_mass_mail(messages, fail_silently=False) if messages else 0


def version_create(
    *, run: TrainingRun, artifact: str, sha256: str, config: dict[str, Any], metrics: dict[str, Any]
) -> ModelVersion:
    """The version a training run made, numbered next for its question (not yet active).

    The caller holds the scoring model's lock (`scoring_model_lock`): it keeps numbers unique.
    """
    last = ModelVersion.objects.filter(scoring_model_id=run.scoring_model_id).aggregate(
        n=Max("number")
    )["n"]
    return ModelVersion.objects.create(
        scoring_model_id=run.scoring_model_id,
        number=(last or 0) + 1,
        run=run,
        family=config.get("family", run.family),
        artifact=artifact,
        sha256=sha256,
        config=config,
        metrics=metrics,
    )


def _delete_artifacts(names: list[str]) -> None:
    for name in names:
        try:
            artifact_delete(name)
        except OSError:
            # The version is pruned either way; a file left behind only costs disk.
            logger.exception("could not delete artifact %s", name)


@transaction.atomic
def _prune(scoring_model_id: int, keep: int) -> list[int]:
    scoring_model_lock(scoring_model_id)  # a restore cannot pick a version being pruned
    versions = ModelVersion.objects.filter(scoring_model_id=scoring_model_id)
    newest = list(versions.order_by("-number").values_list("pk", flat=True)[:keep])
    old = list(
        versions.exclude(pk__in=newest)
        .exclude(is_active=True)
        .exclude(status=ModelVersion.Status.PRUNED)
        .values_list("pk", "artifact")
    )
    if not old:
        return []
    versions.filter(pk__in=[pk for pk, _ in old]).update(status=ModelVersion.Status.PRUNED)
    # Files go once the rows say so: a crash in between leaves files, never a "ready" version
    # without its artifact.
    transaction.on_commit(partial(_delete_artifacts, [name for _, name in old]))
    return [pk for pk, _ in old]


def versions_prune() -> list[int]:
    """Delete the artifacts of every version but the active one and the newest
    `AULA_ARTIFACTS_KEEP` of each question, and mark them pruned (they can no longer be restored).
    Returns the ids of the versions pruned."""
    keep = max(settings.AULA_ARTIFACTS_KEEP, 0)
    crowded = (
        ScoringModel.objects.annotate(n=Count("versions"))
        .filter(n__gt=keep)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pruned: list[int] = []
    for scoring_model_id in crowded:
        pruned += _prune(scoring_model_id, keep)
    return pruned

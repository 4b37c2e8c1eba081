"""The registry: scoring models, activation and restore, broken versions, pruning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from lms.accounts.models import User
from lms.assignments.models import Question
from lms.courses.models import Course, Enrollment
from mlcore.artifacts import artifact_storage
from mlcore.models import ModelVersion, ScoringModel
from mlcore.services.registry import (
    scoring_model_for,
    scoring_model_update,
    version_activate,
    version_broken_notify,
    version_mark_broken,
    versions_prune,
)
from mlcore.tasks.maintenance import notify_version_broken_task
from mlcore.tasks.scoring import rescore_question_task
from tests.factories import EnrollmentFactory, QuestionFactory, UserFactory
from tests.mlcore.training_helpers import (
    Sent,
    add_version,
    fake_artifact,
    record_sent,
    text_question,
    use_artifact_dir,
)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Tasks enqueued (once their transaction commits) instead of reaching a broker."""
    return record_sent(monkeypatch, [rescore_question_task, notify_version_broken_task])


@pytest.fixture
def question(course: Course) -> Question:
    return text_question(course)


@pytest.fixture
def artifacts(settings: Any, tmp_path: Path) -> Path:
    return use_artifact_dir(settings, tmp_path / "artifacts")


def active_numbers(question: Question) -> list[int]:
    return list(
        ModelVersion.objects.filter(scoring_model__question=question, is_active=True).values_list(
            "number", flat=True
        )
    )


# --- Scoring models ----------------------------------------------------------------------------


def test_scoring_model_is_created_once_with_the_threshold_setting(
    question: Question, settings: Any
) -> None:
    settings.AULA_RETRAIN_THRESHOLD = 7
    first = scoring_model_for(question)
    assert scoring_model_for(question) == first
    assert first.retrain_threshold == 7
    assert ScoringModel.objects.count() == 1


def test_scoring_model_refuses_a_choice_question(course: Course) -> None:
    choice = QuestionFactory(assignment__course=course, kind=Question.Kind.SINGLE_CHOICE)
    with pytest.raises(ValidationError, match="Only short text and essay"):
        scoring_model_for(choice)
    assert not ScoringModel.objects.exists()


def test_teacher_updates_settings(question: Question, teacher: User) -> None:
    scoring_model = scoring_model_for(question)
    updated = scoring_model_update(
        actor=teacher, scoring_model=scoring_model, family="rnn", retrain_threshold=5
    )
    assert (updated.family, updated.loss, updated.retrain_threshold) == ("rnn", "mse", 5)
    assert updated.suggestions_enabled


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"family": "gpt"}, "Unknown model family"),
        ({"loss": "hinge"}, "Unknown loss"),
        ({"retrain_threshold": 0}, "at least one"),
    ],
)
def test_bad_settings_are_refused(
    question: Question, teacher: User, changes: dict[str, Any], message: str
) -> None:
    scoring_model = scoring_model_for(question)
    with pytest.raises(ValidationError, match=message):
        scoring_model_update(actor=teacher, scoring_model=scoring_model, **changes)
    scoring_model.refresh_from_db()
    assert (scoring_model.family, scoring_model.retrain_threshold) == ("auto", 20)


@pytest.mark.parametrize("who", ["student", "outsider"])
def test_students_and_outsiders_cannot_change_models(
    question: Question, who: str, request: pytest.FixtureRequest
) -> None:
    actor = request.getfixturevalue(who)
    version = add_version(question, 1)
    with pytest.raises(PermissionDenied):
        scoring_model_update(actor=actor, scoring_model=version.scoring_model, family="mlp")
    with pytest.raises(PermissionDenied):
        version_activate(actor=actor, version=version)
    assert active_numbers(question) == []


# --- Activation and restore --------------------------------------------------------------------


def test_restore_an_earlier_version_swaps_the_active_one_and_rescores(
    question: Question,
    teacher: User,
    sent: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    v1 = add_version(question, 1)
    add_version(question, 2, active=True)
    with django_capture_on_commit_callbacks(execute=True):
        restored = version_activate(actor=teacher, version=v1, reason="v2 grades too harshly")
    assert restored.is_active
    assert restored.activated_at is not None
    assert active_numbers(question) == [1]
    assert sent == [("mlcore.rescore_question", (v1.scoring_model_id,))]


def test_activating_the_active_version_changes_nothing(
    question: Question,
    teacher: User,
    sent: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    v1 = add_version(question, 1, active=True)
    with django_capture_on_commit_callbacks(execute=True):
        version_activate(actor=teacher, version=v1)
    assert active_numbers(question) == [1]
    assert sent == []


@pytest.mark.parametrize("status", [ModelVersion.Status.BROKEN, ModelVersion.Status.PRUNED])
def test_broken_and_pruned_versions_cannot_be_restored(
    question: Question, teacher: User, status: str
) -> None:
    old = add_version(question, 1, status=status)
    add_version(question, 2, active=True)
    with pytest.raises(ValidationError, match="cannot be activated"):
        version_activate(actor=teacher, version=old)
    assert active_numbers(question) == [2]


# --- Broken versions ---------------------------------------------------------------------------


def test_broken_active_version_falls_back_to_the_newest_ready_one_and_tells_the_teachers(
    question: Question,
    course: Course,
    teacher: User,
    sent: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    second_teacher = UserFactory(email="second@example.com")
    EnrollmentFactory(user=second_teacher, course=course, role=Enrollment.Role.TEACHER)
    EnrollmentFactory(user=UserFactory(email="ta@example.com"), course=course, role="ta")
    add_version(question, 1)
    add_version(question, 2)
    add_version(question, 3, status=ModelVersion.Status.PRUNED)
    v4 = add_version(question, 4, active=True)
    with django_capture_on_commit_callbacks(execute=True):
        now_active = version_mark_broken(version=v4, reason="weights' sha256 does not match")
    assert now_active is not None
    assert now_active.number == 2
    assert active_numbers(question) == [2]
    v4.refresh_from_db()
    assert (v4.status, v4.is_active) == (ModelVersion.Status.BROKEN, False)
    assert v4.broken_reason == "weights' sha256 does not match"
    assert ("mlcore.rescore_question", (v4.scoring_model_id,)) in sent
    assert ("mlcore.notify_version_broken", (v4.pk,)) in sent

    assert version_broken_notify(version_id=v4.pk) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["second@example.com", "teacher@example.com"]
    message = mail.outbox[0]
    assert "version 4 is broken" in message.subject
    assert "sha256 does not match" in message.body
    assert "now scored with version 2" in message.body


def test_the_only_version_broken_leaves_the_similarity_fallback(
    question: Question,
    teacher: User,
    sent: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    v1 = add_version(question, 1, active=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert version_mark_broken(version=v1, reason="missing") is None
    assert active_numbers(question) == []
    assert version_broken_notify(version_id=v1.pk) == 1
    assert "similarity to the reference answers" in mail.outbox[0].body


def test_marking_a_version_broken_twice_tells_the_teachers_once(
    question: Question, sent: Sent, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    v1 = add_version(question, 1)
    v2 = add_version(question, 2, active=True)
    with django_capture_on_commit_callbacks(execute=True):
        version_mark_broken(version=v2, reason="missing")
        again = version_mark_broken(version=v2, reason="missing")
    assert again == v1
    assert [name for name, _ in sent].count("mlcore.notify_version_broken") == 1


def test_a_broken_inactive_version_leaves_the_active_one(
    question: Question, sent: Sent, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    v1 = add_version(question, 1)
    add_version(question, 2, active=True)
    with django_capture_on_commit_callbacks(execute=True):
        version_mark_broken(version=v1, reason="corrupt")
    assert active_numbers(question) == [2]
    assert [name for name, _ in sent] == ["mlcore.notify_version_broken"]


# --- Pruning -----------------------------------------------------------------------------------


def test_prune_keeps_the_active_and_the_newest_versions(
    question: Question,
    artifacts: Path,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.AULA_ARTIFACTS_KEEP = 3
    versions = {}
    for number in range(1, 8):
        name = fake_artifact(tmp_path / f"v{number}", f"scoring/q{question.pk}/v{number}")
        versions[number] = add_version(question, number, active=number == 2, artifact=name)
    other = text_question(question.assignment.course)  # under the limit: untouched
    add_version(other, 1, artifact=fake_artifact(tmp_path / "o1", "scoring/other/v1"))

    with django_capture_on_commit_callbacks(execute=True):
        pruned = versions_prune()

    assert sorted(pruned) == sorted(versions[n].pk for n in (1, 3, 4))
    status = dict(
        ModelVersion.objects.filter(scoring_model__question=question).values_list(
            "number", "status"
        )
    )
    assert [n for n, s in sorted(status.items()) if s == ModelVersion.Status.PRUNED] == [1, 3, 4]
    storage = artifact_storage()
    for number in range(1, 8):
        assert storage.exists(f"{versions[number].artifact}/model.safetensors") == (
            number not in (1, 3, 4)
        )
    assert storage.exists("scoring/other/v1/model.safetensors")
    assert versions_prune() == []  # nothing left to prune

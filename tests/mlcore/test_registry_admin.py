"""The registry's admin: pages answer with a bounded query count, rows stay read-only, and the
actions go through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.courses.models import Course
from mlcore.models import ModelVersion, Prediction, ScoringModel, TrainingRun
from mlcore.services.registry import scoring_model_for
from tests.factories import CourseFactory
from tests.mlcore.training_helpers import add_answers, add_version, text_question

MODELS: list[type[Model]] = [ScoringModel, TrainingRun, ModelVersion, Prediction]


def build(course: Course, size: int) -> dict[type[Model], Model]:
    """`size` questions, each with a scoring model, two versions (runs) and a prediction."""
    rows: dict[type[Model], Model] = {}
    for _ in range(size):
        question = text_question(course)
        add_version(question, 1)
        version = add_version(question, 2, active=True)
        (answer,) = add_answers(question, ["Light scatters."])
        prediction = Prediction.objects.create(
            answer=answer, version=version, kind="model", score=1, low=0, high=2, confidence=0.5
        )
        rows = {
            ScoringModel: version.scoring_model,
            TrainingRun: version.run,
            ModelVersion: version,
            Prediction: prediction,
        }
    return rows


def admin_url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:mlcore_{model._meta.model_name}_{view}", args=args)


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pages_answer_and_their_queries_do_not_grow(
    admin_client: Client, model: type[Model]
) -> None:
    small = build(CourseFactory(), 1)[model]
    # Warm up: the first requests fill the session and per-process caches (content types).
    admin_client.get(admin_url(model, "changelist"))
    admin_client.get(admin_url(model, "change", small.pk))
    counts = [queries(admin_client, admin_url(model, "changelist"))]
    counts.append(queries(admin_client, admin_url(model, "change", small.pk)))
    big = build(CourseFactory(), 6)[model]
    assert queries(admin_client, admin_url(model, "changelist")) == counts[0]
    assert queries(admin_client, admin_url(model, "change", big.pk)) == counts[1]


@pytest.mark.parametrize("model", [TrainingRun, ModelVersion, Prediction], ids=lambda m: m.__name__)
def test_service_owned_rows_cannot_be_added_changed_or_deleted(
    admin_client: Client, course: Course, model: type[Model]
) -> None:
    row = build(course, 1)[model]
    page = admin_client.get(admin_url(model, "change", row.pk)).content.decode()
    assert 'name="_save"' not in page
    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_settings_are_saved_through_the_service(admin_client: Client, course: Course) -> None:
    scoring_model = scoring_model_for(text_question(course))
    data = {"family": "rnn", "loss": "ce", "retrain_threshold": 4, "suggestions_enabled": ""}
    response = admin_client.post(admin_url(ScoringModel, "change", scoring_model.pk), data)
    assert response.status_code == 302
    scoring_model.refresh_from_db()
    assert (scoring_model.family, scoring_model.loss, scoring_model.retrain_threshold) == (
        "rnn",
        "ce",
        4,
    )
    assert not scoring_model.suggestions_enabled


def test_actions_start_cancel_and_restore(admin_client: Client, course: Course) -> None:
    question = text_question(course)
    old = add_version(question, 1)
    add_version(question, 2, active=True)
    scoring_model = scoring_model_for(question)

    admin_client.post(
        admin_url(ScoringModel, "changelist"),
        {"action": "start_training", "_selected_action": [scoring_model.pk]},
    )
    run = TrainingRun.objects.get(status="queued")
    admin_client.post(
        admin_url(TrainingRun, "changelist"),
        {"action": "cancel_runs", "_selected_action": [run.pk]},
    )
    run.refresh_from_db()
    assert run.status == "cancelled"

    admin_client.post(
        admin_url(ModelVersion, "changelist"), {"action": "restore", "_selected_action": [old.pk]}
    )
    old.refresh_from_db()
    assert old.is_active

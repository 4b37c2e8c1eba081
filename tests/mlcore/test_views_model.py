"""The question's model page: settings, training runs with live progress, versions, agreement."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Question
from lms.courses.models import Course
from mlcore.models import Family, ModelVersion, ScoringModel, TrainingRun
from mlcore.services.review import suggestion_accept
from mlcore.services.training import training_run_execute
from tests.lms.dbstate import db_state
from tests.mlcore.review_helpers import make_answer, make_question, make_ta, make_version, suggest
from tests.mlcore.training_helpers import graded_question, use_artifact_dir

HTMX = {"HTTP_HX_REQUEST": "true"}
CURVE = [
    {"family": "mlp", "epoch": e, "train_loss": 1.0 / e, "val_loss": 1.2 / e, "val_metric": 0.5}
    for e in (1, 2, 3)
]


@pytest.fixture
def question(course: Course) -> Question:
    return make_question(course, points=Decimal(4))


def _url(name: str, question: Question, **kwargs: int) -> str:
    return reverse(f"mlcore:{name}", kwargs={"question_id": question.pk, **kwargs})


def _run(question: Question, status: str = "succeeded", **fields: Any) -> TrainingRun:
    scoring_model, _ = ScoringModel.objects.get_or_create(question=question)
    return TrainingRun.objects.create(
        scoring_model=scoring_model,
        status=status,
        family=Family.MLP,
        loss="mse",
        queue="ml_cpu",
        **fields,
    )


@pytest.mark.parametrize("who", ["teacher", "ta"])
def test_course_staff_see_the_model_page(
    client: Client, question: Question, teacher: User, course: Course, who: str
) -> None:
    client.force_login(teacher if who == "teacher" else make_ta(course))
    for name in ("question_model", "model_runs", "model_versions"):
        assert client.get(_url(name, question)).status_code in (200, 286), name
    html = client.get(_url("question_model", question)).content.decode()
    assert "No trained model yet" in html
    assert "No training run yet." in html
    assert 'hx-trigger="every 1s"' not in html
    assert "0 teacher-graded answers to learn from: a run needs at least 8." in html
    assert '<button type="submit" disabled>Train now</button>' in html


@pytest.mark.parametrize("who", ["student", "outsider"])
def test_everyone_else_gets_404(
    client: Client, question: Question, request: pytest.FixtureRequest, who: str
) -> None:
    run = _run(question, status="queued")
    version = make_version(question, active=False)
    client.force_login(request.getfixturevalue(who))
    for name in ("question_model", "model_runs", "model_versions"):
        assert client.get(_url(name, question)).status_code == 404, name
    before = db_state()
    posts = [
        _url("question_model", question),
        _url("model_train", question),
        _url("run_cancel", question, run_id=run.pk),
        _url("version_restore", question, version_id=version.pk),
    ]
    for url in posts:
        assert client.post(url, {"retrain_threshold": "3"}).status_code == 404, url
    assert db_state() == before
    run.refresh_from_db()
    version.refresh_from_db()
    assert (run.status, version.is_active, TrainingRun.objects.count()) == ("queued", False, 1)


def test_settings_are_saved(client: Client, question: Question, teacher: User) -> None:
    client.force_login(teacher)
    data = {"family": "textcnn", "loss": "ce", "retrain_threshold": "7"}
    response = client.post(_url("question_model", question), data)
    assert response.status_code == 302
    scoring_model = ScoringModel.objects.get(question=question)
    assert (scoring_model.family, scoring_model.loss, scoring_model.retrain_threshold) == (
        "textcnn",
        "ce",
        7,
    )
    assert scoring_model.suggestions_enabled is False  # the box was not ticked


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "greater than or equal to 1"),
        ("-3", "greater than or equal to 1"),
        ("", "This field is required."),
        ("many", "Enter a whole number."),
    ],
)
def test_bad_settings_keep_what_was_typed(
    client: Client, question: Question, teacher: User, typed: str, message: str
) -> None:
    client.force_login(teacher)
    data = {"family": "rnn", "loss": "mse", "retrain_threshold": typed, "suggestions_enabled": "on"}
    response = client.post(_url("question_model", question), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    field = re.search(r'<input[^>]*name="retrain_threshold"[^>]*>', html)
    assert field is not None
    assert 'aria-invalid="true"' in field.group()
    if typed:
        assert f'value="{typed}"' in field.group()
    assert re.search(r'<option value="rnn"[^>]*selected', html)  # the other fields kept too
    assert not ScoringModel.objects.filter(question=question).exists()


def test_train_now_queues_a_run_and_the_page_polls(
    client: Client, question: Question, teacher: User
) -> None:
    client.force_login(teacher)
    response = client.post(_url("model_train", question))
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert (run.status, run.started_by, run.trigger) == ("queued", teacher, "manual")
    html = client.get(_url("question_model", question)).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert f"Cancel run {run.pk}" in html
    assert 'aria-live="polite"' in html
    # While it is in flight the poll answers 200; a second click joins the same run (htmx).
    assert client.get(_url("model_runs", question), **HTMX).status_code == 200
    again = client.post(_url("model_train", question), **HTMX)
    assert again.status_code == 200
    assert 'hx-trigger="every 1s"' in again.content.decode()
    assert TrainingRun.objects.count() == 1


def test_polling_stops_when_the_run_finishes(
    client: Client, question: Question, teacher: User
) -> None:
    _run(question, status="succeeded", progress=100, stage="finished", decision="v1 promoted")
    client.force_login(teacher)
    response = client.get(_url("model_runs", question), **HTMX)
    assert response.status_code == 286  # htmx stops polling on 286
    assert response["HX-Trigger"] == "ml-run-finished"
    html = response.content.decode()
    assert 'hx-swap-oob="innerHTML:#run-status"' in html
    assert "succeeded, v1 promoted" in html


def test_cancel_a_running_run(client: Client, question: Question, teacher: User) -> None:
    run = _run(question, status="running", progress=40, stage="training mlp: epoch 2 of 5")
    client.force_login(teacher)
    response = client.post(_url("run_cancel", question, run_id=run.pk), **HTMX)
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.cancel_requested
    assert "Cancelling" in response.content.decode()


def test_loss_curve_as_svg_with_the_same_numbers_in_a_table(
    client: Client, question: Question, teacher: User
) -> None:
    run = _run(question, loss_curve=CURVE, n_train=12, n_heldout=4)
    client.force_login(teacher)
    html = client.get(_url("question_model", question)).content.decode()
    assert (
        f'<title id="chart-{run.pk}-title">Loss per epoch of training run {run.pk}</title>' in html
    )
    assert 'role="img"' in html
    assert html.count("<path d=") == 2  # training and validation loss
    assert f"<caption>Loss per epoch of run {run.pk}</caption>" in html
    assert "0.3333" in html
    assert "0.4000" in html
    assert "Trained on 12 teacher grades, checked on 4 held out" in html


def test_versions_metrics_restore_and_broken_alert(
    client: Client, question: Question, teacher: User
) -> None:
    old = make_version(question, 1, active=False)
    make_version(question, 2, active=True)
    broken = make_version(question, 3, active=False)
    broken.status = ModelVersion.Status.BROKEN
    broken.broken_reason = "The artifact's sha256 does not match."
    broken.save()
    client.force_login(teacher)
    html = client.get(_url("question_model", question)).content.decode()
    assert 'role="alert"' in html
    assert "Version 3 cannot be used" in html
    assert "The artifact&#x27;s sha256 does not match." in html
    assert "Version 2 scores the answers instead." in html
    assert "Restore version 1" in html
    assert "Restore version 3" not in html
    assert "0.500" in html
    assert "90%" in html
    response = client.post(_url("version_restore", question, version_id=old.pk))
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.is_active


def test_agreement_figures_on_the_page(client: Client, question: Question, teacher: User) -> None:
    version = make_version(question)
    for score in (1, 3):
        suggestion_accept(
            actor=teacher, grade=suggest(make_answer(question), score, version=version)
        )
    client.force_login(teacher)
    html = client.get(_url("model_versions", question)).content.decode()
    assert "Agreement with the teacher" in html
    assert re.search(r"Version 1\s*\(active\)\s*</th>\s*<td>2</td>\s*<td>\s*100%", html)
    assert "2 accepted" in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code in (200, 286)
    return len(queries)


def _grow(question: Question, teacher: User, n: int) -> None:
    start = ModelVersion.objects.filter(scoring_model__question=question).count()
    for i in range(n):
        version = make_version(question, start + i + 1, active=False)
        _run(question, loss_curve=CURVE, decision=f"v{version.number} kept")
        suggestion_accept(actor=teacher, grade=suggest(make_answer(question), 2, version=version))


@pytest.mark.parametrize("name", ["question_model", "model_runs", "model_versions"])
def test_model_page_queries_do_not_grow(
    client: Client, question: Question, teacher: User, name: str
) -> None:
    client.force_login(teacher)
    _grow(question, teacher, 2)
    few = _queries(client, _url(name, question))
    _grow(question, teacher, 8)
    assert _queries(client, _url(name, question)) == few


@pytest.mark.slow
def test_a_real_run_from_the_page_to_its_version(
    client: Client, course: Course, teacher: User, settings: Any, tmp_path: Path
) -> None:
    """Train now on the page, a (tiny) run, then its curve, version and decision on the page."""
    use_artifact_dir(settings, tmp_path / "artifacts")
    settings.AULA_TRAINING_OVERRIDES = {"epochs": 3}
    question = graded_question(course, teacher, 16)
    client.force_login(teacher)
    client.post(
        _url("question_model", question),
        {"family": "mlp", "loss": "mse", "retrain_threshold": "20", "suggestions_enabled": "on"},
    )
    client.post(_url("model_train", question))
    run = TrainingRun.objects.get()
    assert training_run_execute(run_id=run.pk) == "succeeded"
    poll = client.get(_url("model_runs", question), **HTMX)
    assert poll.status_code == 286
    html = client.get(_url("question_model", question)).content.decode()
    assert f"Loss per epoch of training run {run.pk}" in html
    assert html.count("<path d=") == 2
    run.refresh_from_db()
    assert run.decision in html.replace("&#x27;", "'")
    version = ModelVersion.objects.get()
    assert f"{version.metrics['qwk']:.3f}" in html


def test_a_broken_version_cannot_be_restored(
    client: Client, question: Question, teacher: User
) -> None:
    make_version(question, 1, active=True)
    broken = make_version(question, 2, active=False)
    broken.status = ModelVersion.Status.BROKEN
    broken.save()
    client.force_login(teacher)
    response = client.post(_url("version_restore", question, version_id=broken.pk), follow=True)
    assert "Version 2 cannot be activated" in response.content.decode()
    broken.refresh_from_db()
    assert not broken.is_active

"""Webhooks: who registers them, which events reach which endpoint, the signature a receiver
checks, retries with a log of each outcome. A real HTTP server on 127.0.0.1 receives them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rest_framework.test import APIClient

from lms.api import receivers
from lms.api.models import WebhookDelivery, WebhookEndpoint
from lms.api.tasks import MAX_RETRIES, deliver_webhook_task
from lms.api.webhooks import sign, webhook_endpoint_create
from lms.grading.services import assignment_grades_release
from mlcore.models import TrainingRun
from mlcore.tasks.scoring import score_submission_task
from mlcore.tasks.training import train_cpu_task
from tests.api.conftest import Client
from tests.api.world import World
from tests.mlcore.training_helpers import Sent, record_sent

pytestmark = pytest.mark.django_db
EVERY_EVENT = ["submission.created", "feedback.ready", "grade.released", "training_run.finished"]


@dataclass
class Receiver:
    url: str
    status: int = 204
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers.items()), body))
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Tasks are recorded, not published: the test runs each delivery itself."""
    return record_sent(monkeypatch, [deliver_webhook_task, score_submission_task])


def _deliveries(sent: Sent) -> list[int]:
    return [args[0] for name, args in sent if name == "api.deliver_webhook"]


def _run(sent: Sent) -> None:
    for delivery_id in _deliveries(sent):
        deliver_webhook_task.apply(args=[delivery_id])


def _register(world: World, receiver: Receiver, events: list[str] | None = None) -> Any:
    return webhook_endpoint_create(
        owner=world.users["teacher"],
        url=receiver.url,
        events=events or EVERY_EVENT,
        course=world.a.course,
    )


def test_who_registers_what(world: World, client_as: Client, receiver: Receiver) -> None:
    body = {"course": world.a.course.pk, "url": receiver.url, "events": ["grade.released"]}
    created = client_as("teacher").post("/api/v1/webhooks/", body, format="json")
    assert created.status_code == 201
    assert len(created.json()["secret"]) == 64
    listed = client_as("teacher").get("/api/v1/webhooks/").json()
    assert [e["id"] for e in listed] == [created.json()["id"]]
    assert "secret" not in listed[0]
    assert client_as("ta").post("/api/v1/webhooks/", body, format="json").status_code == 403
    assert client_as("student").post("/api/v1/webhooks/", body, format="json").status_code == 403
    other = client_as("other_teacher").post("/api/v1/webhooks/", body, format="json")
    assert other.status_code == 400
    site_wide = {"url": receiver.url, "events": ["grade.released"]}
    assert (
        client_as("teacher").post("/api/v1/webhooks/", site_wide, format="json").status_code == 403
    )
    unknown = {**body, "events": ["everything"]}
    assert client_as("teacher").post("/api/v1/webhooks/", unknown, format="json").status_code == 400
    assert WebhookEndpoint.objects.count() == 1
    endpoint = created.json()["id"]
    assert client_as("other_teacher").get(f"/api/v1/webhooks/{endpoint}/").status_code == 404


def test_a_submission_is_announced_signed(
    world: World,
    client_as: Client,
    receiver: Receiver,
    sent: Sent,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint = _register(world, receiver)
    right = world.a.choice_question.choices.get(is_correct=True).pk
    answers = {str(world.a.choice_question.pk): {"choice_ids": [right]}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("student").post(
            "/api/v1/submissions/",
            {"assignment": world.a.published.pk, "answers": answers},
            format="json",
        )
    assert response.status_code == 201
    _run(sent)
    [(headers, body)] = receiver.received
    assert headers["Aula-Event"] == "submission.created"
    timestamp = int(headers["Aula-Signature"].split(",")[0].removeprefix("t="))
    expected = hmac.new(
        endpoint.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert headers["Aula-Signature"] == f"t={timestamp},v1={expected}"
    assert headers["Aula-Signature"] == sign(endpoint.secret, timestamp, body)
    payload = json.loads(body)
    assert payload["event"] == "submission.created"
    assert payload["data"]["submission"] == response.json()["id"]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 1, 204)
    assert headers["Aula-Delivery"] == str(delivery.pk)


def test_failures_are_retried_then_logged_as_failed(
    world: World,
    receiver: Receiver,
    sent: Sent,
    client_as: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.status = 500
    endpoint = _register(world, receiver, ["grade.released"])
    with django_capture_on_commit_callbacks(execute=True):
        released = assignment_grades_release(
            actor=world.users["teacher"], assignment=world.a.published
        )
    assert released == 2  # both students' drafts
    _run(sent)
    assert len(receiver.received) == MAX_RETRIES + 1
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts) == ("failed", MAX_RETRIES + 1)
    assert (delivery.response_code, delivery.error) == (500, "HTTP 500 Internal Server Error")
    log = client_as("teacher").get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/")
    assert log.status_code == 200
    assert [d["status"] for d in log.json()] == ["failed"]
    grades = receiver.bodies()[0]["data"]["grades"]
    assert len(grades) == 2


def test_a_grade_release_reaches_the_course_and_site_endpoints_only(
    world: World,
    receiver: Receiver,
    sent: Sent,
    client_as: Client,
    admin_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _register(world, receiver, ["grade.released"])
    webhook_endpoint_create(
        owner=admin_user, url=receiver.url, events=["grade.released"], course=None
    )
    webhook_endpoint_create(
        owner=world.users["other_teacher"],
        url=receiver.url + "/b",
        events=["grade.released"],
        course=world.b.course,
    )
    draft = world.work["student"].draft
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("teacher").post(f"/api/v1/grades/{draft.pk}/release/")
    assert response.status_code == 200
    _run(sent)
    paths = sorted(
        headers.get("Host", "") + str(i) for i, (headers, _) in enumerate(receiver.received)
    )
    assert len(paths) == 2  # course A's endpoint and the site-wide one, not course B's
    for body in receiver.bodies():
        assert body["data"]["grades"][0]["grade"] == draft.pk


def test_feedback_and_training_events_are_sent_once(
    world: World,
    receiver: Receiver,
    sent: Sent,
    client_as: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _register(world, receiver, ["feedback.ready", "training_run.finished"])
    submission = world.work["student"].submission
    run = world.a.run
    # In a worker the task's transaction has committed: each dispatch sends at once.
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):  # a redelivered scoring task
            receivers.on_task_postrun(task=score_submission_task, args=(submission.pk,))
        for _ in range(2):
            receivers.on_task_postrun(task=train_cpu_task, args=(run.pk,))
        running = TrainingRun.objects.create(
            scoring_model=world.b.scoring_model,
            status="running",
            family="mlp",
            loss="mse",
            queue="q",
        )
        receivers.on_task_postrun(task=train_cpu_task, args=(running.pk,))  # another course: no
    run.status = TrainingRun.Status.FAILED
    run.save()
    queued = TrainingRun.objects.create(
        scoring_model=world.a.scoring_model, family="mlp", loss="mse", queue="ml_cpu"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("teacher").post(f"/api/v1/training-runs/{queued.pk}/cancel/")
    assert response.json()["status"] == "cancelled"
    _run(sent)
    events = [(b["event"], b["data"].get("training_run")) for b in receiver.bodies()]
    assert events == [
        ("feedback.ready", None),
        ("training_run.finished", run.pk),
        ("training_run.finished", queued.pk),
    ]
    assert receiver.bodies()[0]["data"]["submission"] == submission.pk


def test_deliveries_are_the_owners(world: World, receiver: Receiver, client_as: Client) -> None:
    endpoint = _register(world, receiver)
    assert client_as("ta").get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 404
    client = APIClient()
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 401

"""The grading queue page: who sees it, what it shows, its forms with and without htmx."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Answer, Question
from lms.courses.models import Course
from lms.grading.models import Grade, GradeEvent, GradeState
from lms.grading.services import grade_set, grade_suggest
from mlcore.models import ModelVersion
from mlcore.services.review import REASON_ACCEPTED, REASON_REJECTED
from tests.factories import QuestionFactory
from tests.lms.dbstate import db_state
from tests.mlcore.review_helpers import (
    FakeEncoder,
    make_answer,
    make_question,
    make_ta,
    make_version,
    predict,
    suggest,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXT = "The sky looks blue. Air molecules scatter blue light more than red light."
KEY_POINTS = [
    {
        "key_point": "scattering of light",
        "met": True,
        "similarity": 0.71,
        "evidence": {"text": "Air molecules scatter blue light", "start": 20, "end": 52},
    },
    {"key_point": "blue has a short wavelength", "met": False, "similarity": 0.3, "evidence": None},
]


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> Iterator[None]:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def question(course: Course) -> Question:
    return make_question(course, points=Decimal(4))


def _url(question: Question, **params: str) -> str:
    url = reverse("mlcore:queue", kwargs={"question_id": question.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _decide_url(answer: Answer, **params: str) -> str:
    url = reverse(
        "mlcore:queue_decide", kwargs={"question_id": answer.question_id, "answer_id": answer.pk}
    )
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _suggested(question: Question, score: int = 3) -> Grade:
    answer = make_answer(question, TEXT)
    version = ModelVersion.objects.filter(scoring_model__question=question).first()
    version = version or make_version(question)
    predict(answer, score, version=version, confidence=0.62, key_points=KEY_POINTS)
    grade = grade_suggest(answer=answer, points=Decimal(score))
    assert grade is not None
    return grade


def _post(client: Client, answer: Answer, data: dict[str, str], htmx: bool = True) -> Any:
    prefixed = {f"a{answer.pk}-{k}": v for k, v in data.items()}
    return client.post(
        _decide_url(answer, order="position", state="review"), prefixed, **(HTMX if htmx else {})
    )


@pytest.mark.parametrize("who", ["teacher", "ta"])
def test_course_staff_see_the_queue(
    client: Client, question: Question, teacher: User, course: Course, who: str
) -> None:
    client.force_login(teacher if who == "teacher" else make_ta(course))
    _suggested(question)
    response = client.get(_url(question))
    assert response.status_code == 200
    assert b"Grading queue" in response.content


@pytest.mark.parametrize("who", ["student", "outsider"])
def test_everyone_else_gets_404(
    client: Client, question: Question, request: pytest.FixtureRequest, who: str
) -> None:
    grade = _suggested(question)
    client.force_login(request.getfixturevalue(who))
    assert client.get(_url(question)).status_code == 404
    before = db_state()
    assert _post(client, grade.answer, {"action": "accept"}).status_code == 404
    assert db_state() == before


def test_anonymous_is_sent_to_log_in(client: Client, question: Question) -> None:
    response = client.get(_url(question))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_choice_question_has_no_queue(client: Client, course: Course, teacher: User) -> None:
    choice = QuestionFactory(assignment=make_question(course).assignment, kind="single_choice")
    client.force_login(teacher)
    assert client.get(_url(choice)).status_code == 404


def test_the_answer_and_the_ai_suggestion_side_by_side(
    client: Client, question: Question, teacher: User
) -> None:
    graded = make_answer(question, "Because of Rayleigh scattering.")
    grade_set(actor=teacher, answer=graded, points=Decimal(4))
    grade = _suggested(question)
    prediction = grade.answer.predictions.get()
    prediction.similar = [{"answer_id": graded.pk, "similarity": 0.83, "points": "4.00"}]
    prediction.advice = "Name the process."
    prediction.flags = ["instruction_to_grader"]
    prediction.save()
    client.force_login(teacher)
    html = client.get(_url(question)).content.decode()
    assert "AI suggestion" in html
    assert "Trained model, version 1" in html
    assert "3 of 4" in html
    assert "2.50 to 3.50" in html
    assert "62%" in html
    # The evidence of the met key point is highlighted in the student's own text.
    assert "<mark>Air molecules scatter blue light<sup>1</sup></mark>" in html
    assert "Missed:</strong> blue has a short wavelength" in html
    assert "Because of Rayleigh scattering." in html  # the similar graded answer, for the teacher
    assert "Name the process." in html
    assert "instructions to the grader" in html
    assert 'value="accept"' in html
    assert "Accept 3 points" in html


def test_suggestions_turned_off_are_not_shown(
    client: Client, question: Question, teacher: User
) -> None:
    _suggested(question)
    question.scoring_model.suggestions_enabled = False
    question.scoring_model.save()
    client.force_login(teacher)
    html = client.get(_url(question)).content.decode()
    assert "AI suggestions are turned off" in html
    assert "AI suggestion <span" not in html


def test_accept_with_htmx_swaps_the_row(client: Client, question: Question, teacher: User) -> None:
    grade = _suggested(question)
    client.force_login(teacher)
    response = _post(client, grade.answer, {"action": "accept", "shown_points": "3"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<article")
    assert f'id="answer-{grade.answer_id}"' in html
    assert "Saved: accepted." in html
    assert 'value="accept"' not in html  # nothing left to accept
    grade.refresh_from_db()
    assert (grade.state, grade.points, grade.graded_by) == (GradeState.DRAFT, 3, teacher)
    assert GradeEvent.objects.filter(grade=grade).last().reason == REASON_ACCEPTED  # type: ignore[union-attr]


def test_reject_without_javascript_redirects_back(
    client: Client, question: Question, teacher: User
) -> None:
    grade = _suggested(question)
    client.force_login(teacher)
    response = _post(
        client, grade.answer, {"action": "reject", "points": "1", "comment": "No."}, htmx=False
    )
    assert response.status_code == 302
    location = f"?order=position&state=review&page=1#answer-{grade.answer_id}"
    assert response["Location"].endswith(location)
    grade.refresh_from_db()
    assert (grade.points, grade.comment) == (1, "No.")
    assert GradeEvent.objects.filter(grade=grade).last().reason == REASON_REJECTED  # type: ignore[union-attr]


def test_grade_an_answer_without_suggestion(
    client: Client, question: Question, teacher: User
) -> None:
    answer = make_answer(question)
    client.force_login(teacher)
    response = _post(client, answer, {"action": "grade", "points": "2.5"})
    assert "Saved: graded." in response.content.decode()
    assert Grade.objects.get(answer=answer).points == Decimal("2.5")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5", "At most the question&#x27;s 4 points."),
        ("-1", "greater than or equal to 0"),
        ("", "Give the points"),
        ("lots", "Enter a number."),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_points_keep_what_was_typed(
    client: Client, question: Question, teacher: User, typed: str, message: str, htmx: bool
) -> None:
    grade = _suggested(question)
    client.force_login(teacher)
    before = db_state()
    data = {"action": "edit", "points": typed, "comment": "Kept comment"}
    response = _post(client, grade.answer, data, htmx=htmx)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Kept comment" in html
    if typed:
        assert f'value="{typed}"' in html
    field = re.search(rf'<input[^>]*name="a{grade.answer_id}-points"[^>]*>', html)
    assert field is not None
    assert 'aria-invalid="true"' in field.group()
    assert db_state() == before


def test_reject_needs_the_teachers_points(
    client: Client, question: Question, teacher: User
) -> None:
    grade = _suggested(question)
    client.force_login(teacher)
    response = _post(client, grade.answer, {"action": "reject", "points": ""})
    assert "Give your own points for a rejected suggestion." in response.content.decode()


def test_a_suggestion_changed_meanwhile_is_reported(
    client: Client, question: Question, teacher: User
) -> None:
    grade = _suggested(question)
    grade_suggest(answer=grade.answer, points=Decimal(1))
    client.force_login(teacher)
    response = _post(client, grade.answer, {"action": "accept", "shown_points": "3"})
    assert "changed from 3 to 1.00 points" in response.content.decode()
    grade.refresh_from_db()
    assert grade.state == GradeState.SUGGESTED


def _order_of(html: str, answers: list[Answer]) -> list[int]:
    positions = {a.pk: html.index(f'id="answer-{a.pk}"') for a in answers}
    return sorted(positions, key=positions.__getitem__)


def test_least_certain_order_and_state_filter(
    client: Client, question: Question, teacher: User
) -> None:
    sure, unsure, decided = (make_answer(question) for _ in range(3))
    suggest(sure, 2, confidence=0.9)
    suggest(unsure, 2, confidence=0.1)
    grade_set(actor=teacher, answer=decided, points=Decimal(1))
    client.force_login(teacher)
    html = client.get(_url(question, order="least_certain")).content.decode()
    assert _order_of(html, [sure, unsure]) == [unsure.pk, sure.pk]
    assert f'id="answer-{decided.pk}"' not in html
    html = client.get(_url(question, state="decided")).content.decode()
    assert f'id="answer-{decided.pk}"' in html
    assert f'id="answer-{sure.pk}"' not in html
    # Unknown values fall back to the defaults rather than failing.
    assert client.get(_url(question, order="nope", state="nope")).status_code == 200


def test_cluster_order_groups_answers(
    client: Client, question: Question, teacher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mlcore.selectors.review._encoder", FakeEncoder)
    scatter = [make_answer(question, f"Light scatters, {n}.") for n in range(3)]
    ozone = make_answer(question, "The ozone layer is blue.")
    client.force_login(teacher)
    html = client.get(_url(question, order="cluster")).content.decode()
    assert "Cluster 1: 3 shown of 3 answers" in html
    assert "Cluster 2: 1 shown of 1 answer" in html
    assert html.index(f'id="answer-{scatter[2].pk}"') < html.index(f'id="answer-{ozone.pk}"')


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_answers(question: Question, teacher: User, n: int) -> None:
    for i in range(n):
        grade = _suggested(question)
        if i % 3 == 1:
            grade_set(actor=teacher, answer=make_answer(question), points=Decimal(1))
        grade.answer.predictions.update(
            similar=[{"answer_id": grade.answer_id, "similarity": 0.9, "points": "3"}]
        )


@pytest.mark.parametrize("order", ["position", "cluster", "least_certain"])
def test_queue_queries_do_not_grow_with_answers(
    client: Client,
    question: Question,
    teacher: User,
    order: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("mlcore.selectors.review._encoder", FakeEncoder)
    client.force_login(teacher)
    _add_answers(question, teacher, 2)
    few = _queries(client, _url(question, order=order, state="all"))
    _add_answers(question, teacher, 12)
    assert _queries(client, _url(question, order=order, state="all")) == few


def test_decision_queries_do_not_grow_with_answers(
    client: Client, question: Question, teacher: User
) -> None:
    client.force_login(teacher)

    def decide() -> int:
        grade = _suggested(question)
        with CaptureQueriesContext(connection) as queries:
            response = _post(client, grade.answer, {"action": "accept"})
        assert "Saved: accepted." in response.content.decode()
        return len(queries)

    few = decide()
    _add_answers(question, teacher, 10)
    assert decide() == few


def _accept_all(client: Client, question: Question, grades: list[Grade]) -> Any:
    data: dict[str, Any] = {"answer": [g.answer_id for g in grades]}
    data |= {f"shown-{g.answer_id}": str(g.points) for g in grades}
    url = reverse("mlcore:queue_accept_many", kwargs={"question_id": question.pk})
    return client.post(url + "?order=cluster&state=review", data)


def test_accept_a_whole_cluster(
    client: Client, question: Question, teacher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mlcore.selectors.review._encoder", FakeEncoder)
    grades = [suggest(make_answer(question, f"Light scatters, {n}."), 3) for n in range(2)]
    suggest(make_answer(question, "The ozone layer."), 1)
    client.force_login(teacher)
    html = client.get(_url(question, order="cluster")).content.decode()
    assert "Accept the 2 AI suggestions shown in cluster 1" in html
    response = _accept_all(client, question, grades)
    assert response.status_code == 302
    assert response["Location"].endswith("?order=cluster&state=review&page=1")
    for grade in grades:
        grade.refresh_from_db()
        assert (grade.state, grade.graded_by) == (GradeState.DRAFT, teacher)
        assert GradeEvent.objects.filter(grade=grade).last().reason == REASON_ACCEPTED  # type: ignore[union-attr]
    assert Grade.objects.filter(state=GradeState.SUGGESTED).count() == 1  # the other cluster


def test_accept_all_is_all_or_nothing(client: Client, question: Question, teacher: User) -> None:
    grades = [suggest(make_answer(question), 3) for _ in range(3)]
    grade_suggest(answer=grades[1].answer, points=Decimal(2))  # rescored while on screen
    client.force_login(teacher)
    before = db_state()
    response = _accept_all(client, question, grades)
    assert response.status_code == 302
    assert db_state() == before
    messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
    assert len(messages) == 1
    assert "changed from 3.00 to 2.00 points" in messages[0]
    assert messages[0].endswith("Nothing was accepted.")


@pytest.mark.parametrize("who", ["student", "outsider"])
def test_accept_all_refused_to_others(
    client: Client, question: Question, request: pytest.FixtureRequest, who: str
) -> None:
    grades = [suggest(make_answer(question), 3)]
    client.force_login(request.getfixturevalue(who))
    before = db_state()
    assert _accept_all(client, question, grades).status_code == 404
    assert db_state() == before


def test_accept_all_with_a_forged_form(client: Client, question: Question, teacher: User) -> None:
    client.force_login(teacher)
    url = reverse("mlcore:queue_accept_many", kwargs={"question_id": question.pk})
    assert client.post(url, {"answer": ["x"]}).status_code == 400


def test_the_queue_shows_what_the_scoring_service_wrote(
    client: Client, question: Question, teacher: User
) -> None:
    from mlcore.services.scoring import submission_score

    graded = make_answer(question, "Air molecules scatter blue sunlight more than red light.")
    grade_set(actor=teacher, answer=graded, points=Decimal(4), comment="Clear and complete.")
    answer = make_answer(question, "It is the scattering of light. Blue has a short wavelength.")
    assert submission_score(submission_id=answer.submission_id) == 1
    client.force_login(teacher)
    html = client.get(_url(question)).content.decode()
    assert "Similarity to the reference answers (no trained model yet)." in html
    assert "<mark>" in html  # a key point met, its evidence highlighted in the answer
    assert "Accept" in html
    assert "Air molecules scatter blue sunlight more than red light." in html  # similar, graded


def test_pages_of_answers_keep_the_order_and_filter(
    client: Client, question: Question, teacher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mlcore.selectors.review.PER_PAGE", 2)
    answers = [make_answer(question) for _ in range(5)]
    for n, answer in enumerate(answers):
        suggest(answer, 2, confidence=n / 10)
    client.force_login(teacher)
    html = client.get(_url(question, order="least_certain", page="2")).content.decode()
    assert "Answers 3 to 4 of 5, page 2 of 3." in html
    assert _order_of(html, answers[2:4]) == [answers[2].pk, answers[3].pk]
    assert f'id="answer-{answers[1].pk}"' not in html
    assert 'href="?order=least_certain&amp;state=review&amp;page=3"' in html
    assert 'href="?order=least_certain&amp;state=review&amp;page=1"' in html
    # A decision posted from page 2 comes back to page 2.
    decide = "?order=least_certain&amp;state=review&amp;page=2"
    assert decide in html
    last = client.get(_url(question, order="least_certain", page="99")).content.decode()
    assert "page 3 of 3" in last

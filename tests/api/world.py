"""Two courses with one of everything, and the six callers of the authorization matrix.

Course A: its teacher, a TA, `student` (whose work is the subject) and `peer` (another student of
the same course). Course B: `other_teacher` and B's own student with the same kinds of rows.
Rows are written straight to the database (factories), as the matrix tests reads, not rules.
Strings that must never reach a student are collected in `secrets_for_students`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment, Question, Submission
from lms.courses.models import Course, Enrollment, Skill
from lms.grading.models import Grade, GradeSource, GradeState
from mlcore.models import ModelVersion, Prediction, ScoringModel, TrainingRun
from tests.factories import (
    AnswerFactory,
    AssignmentFactory,
    ChoiceFactory,
    CourseFactory,
    EnrollmentFactory,
    QuestionFactory,
    SkillFactory,
    SubmissionFactory,
    UserFactory,
)

DRAFT_COMMENT = "DRAFT-COMMENT-not-for-students"
ANSWER_KEY = "ACCEPTED-ANSWER-KEY"
REFERENCE = "REFERENCE-ANSWER-TEXT"
SIMILAR_TEXT = "SIMILAR-ANSWER-OF-ANOTHER-STUDENT"


@dataclass
class CourseRows:
    course: Course
    skill: Skill
    published: Assignment
    unpublished: Assignment
    text_question: Question
    choice_question: Question
    hidden_question: Question
    scoring_model: ScoringModel
    run: TrainingRun
    version: ModelVersion


@dataclass
class StudentWork:
    submission: Submission
    answer: Answer
    released: Grade
    other_answer: Answer
    draft: Grade
    prediction: Prediction


@dataclass
class World:
    a: CourseRows
    b: CourseRows
    users: dict[str, User]
    work: dict[str, StudentWork]  # "student", "peer", "b_student"

    def user(self, role: str) -> User | None:
        return self.users.get(role)


def _enrol(course: Course, role: str, email: str) -> User:
    user = UserFactory(email=email)
    EnrollmentFactory(user=user, course=course, role=role)
    return user


def _grade(answer: Answer, state: str, points: str, comment: str = "") -> Grade:
    released = timezone.now() if state == GradeState.RELEASED else None
    return Grade.objects.create(
        answer=answer,
        state=state,
        points=Decimal(points),
        comment=comment,
        source=GradeSource.TEACHER,
        released_at=released,
    )


def course_rows(course: Course) -> CourseRows:
    published = AssignmentFactory(course=course, title=f"{course.code} homework")
    unpublished = AssignmentFactory(course=course, title="Not yet", is_published=False)
    text_question = QuestionFactory(
        assignment=published,
        kind=Question.Kind.SHORT_TEXT,
        accepted_answers=[ANSWER_KEY],
        reference_answers=[REFERENCE],
    )
    choice_question = QuestionFactory(
        assignment=published, kind=Question.Kind.SINGLE_CHOICE, reference_answers=[]
    )
    ChoiceFactory(question=choice_question, text="Right", is_correct=True)
    ChoiceFactory(question=choice_question, text="Wrong")
    hidden_question = QuestionFactory(assignment=unpublished, prompt="HIDDEN-QUESTION-PROMPT")
    scoring_model = ScoringModel.objects.create(question=text_question)
    run = TrainingRun.objects.create(
        scoring_model=scoring_model,
        status=TrainingRun.Status.SUCCEEDED,
        family="mlp",
        loss="mse",
        queue="ml_cpu",
    )
    version = ModelVersion.objects.create(
        scoring_model=scoring_model,
        number=1,
        run=run,
        family="mlp",
        artifact="models/x",
        sha256="0" * 64,
    )
    return CourseRows(
        course=course,
        skill=SkillFactory(course=course),
        published=published,
        unpublished=unpublished,
        text_question=text_question,
        choice_question=choice_question,
        hidden_question=hidden_question,
        scoring_model=scoring_model,
        run=run,
        version=version,
    )


def student_work(rows: CourseRows, student: User, version: ModelVersion | None) -> StudentWork:
    submission = SubmissionFactory(assignment=rows.published, student=student)
    answer = AnswerFactory(submission=submission, question=rows.text_question, text="Light.")
    other_answer = AnswerFactory(submission=submission, question=rows.choice_question, text="")
    prediction = Prediction.objects.create(
        answer=answer,
        version=version,
        kind=Prediction.Kind.MODEL,
        score=Decimal(1),
        low=Decimal("0.5"),
        high=Decimal("1.5"),
        confidence=0.8,
        similar=[{"answer_id": answer.pk, "similarity": 0.9, "text": SIMILAR_TEXT}],
        input_hash="h",
    )
    return StudentWork(
        submission=submission,
        answer=answer,
        released=_grade(answer, GradeState.RELEASED, "1"),
        other_answer=other_answer,
        draft=_grade(other_answer, GradeState.DRAFT, "0", DRAFT_COMMENT),
        prediction=prediction,
    )


def build_world(course: Course, teacher: User, student: User) -> World:
    other = CourseFactory(code="CHEM-201", title="Chemistry")
    users = {
        "teacher": teacher,
        "student": student,
        "peer": _enrol(course, Enrollment.Role.STUDENT, "peer@example.com"),
        "ta": _enrol(course, Enrollment.Role.TA, "ta@example.com"),
        "other_teacher": _enrol(other, Enrollment.Role.TEACHER, "other-teacher@example.com"),
    }
    b_student = _enrol(other, Enrollment.Role.STUDENT, "b-student@example.com")
    a, b = course_rows(course), course_rows(other)
    work = {
        "student": student_work(a, student, a.version),
        "peer": student_work(a, users["peer"], a.version),
        "b_student": student_work(b, b_student, b.version),
    }
    return World(a=a, b=b, users=users, work=work)

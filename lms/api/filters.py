"""Filters by id (`NumberFilter`, not model choice filters: those would check the id against
every row and so tell a caller which ids exist outside their courses).

django-filter ships no type hints, hence the `type: ignore[misc]` on each class.
"""

from __future__ import annotations

from django_filters import rest_framework as filters

from lms.assignments.models import Answer, Assignment, Question, Submission
from lms.courses.models import Enrollment, Skill
from lms.grading.models import Grade, GradeState
from mlcore.models import ModelVersion, Prediction, ScoringModel, TrainingRun


class EnrollmentFilter(filters.FilterSet):  # type: ignore[misc]
    course = filters.NumberFilter(field_name="course_id")
    role = filters.ChoiceFilter(choices=Enrollment.Role.choices)

    class Meta:
        model = Enrollment
        fields = ["course", "role", "is_active"]


class SkillFilter(filters.FilterSet):  # type: ignore[misc]
    course = filters.NumberFilter(field_name="course_id")

    class Meta:
        model = Skill
        fields = ["course"]


class AssignmentFilter(filters.FilterSet):  # type: ignore[misc]
    course = filters.NumberFilter(field_name="course_id")

    class Meta:
        model = Assignment
        fields = ["course", "is_published"]


class QuestionFilter(filters.FilterSet):  # type: ignore[misc]
    assignment = filters.NumberFilter(field_name="assignment_id")
    kind = filters.ChoiceFilter(choices=Question.Kind.choices)

    class Meta:
        model = Question
        fields = ["assignment", "kind"]


class SubmissionFilter(filters.FilterSet):  # type: ignore[misc]
    assignment = filters.NumberFilter(field_name="assignment_id")
    student = filters.NumberFilter(field_name="student_id")
    course = filters.NumberFilter(field_name="assignment__course_id")
    status = filters.ChoiceFilter(choices=Submission.Status.choices)

    class Meta:
        model = Submission
        fields = ["assignment", "student", "course", "status"]


class AnswerFilter(filters.FilterSet):  # type: ignore[misc]
    submission = filters.NumberFilter(field_name="submission_id")
    question = filters.NumberFilter(field_name="question_id")

    class Meta:
        model = Answer
        fields = ["submission", "question"]


class GradeFilter(filters.FilterSet):  # type: ignore[misc]
    answer = filters.NumberFilter(field_name="answer_id")
    submission = filters.NumberFilter(field_name="answer__submission_id")
    assignment = filters.NumberFilter(field_name="answer__submission__assignment_id")
    state = filters.ChoiceFilter(choices=GradeState.choices)

    class Meta:
        model = Grade
        fields = ["answer", "submission", "assignment", "state"]


class PredictionFilter(filters.FilterSet):  # type: ignore[misc]
    answer = filters.NumberFilter(field_name="answer_id")
    version = filters.NumberFilter(field_name="version_id")

    class Meta:
        model = Prediction
        fields = ["answer", "version", "kind"]


class ScoringModelFilter(filters.FilterSet):  # type: ignore[misc]
    question = filters.NumberFilter(field_name="question_id")

    class Meta:
        model = ScoringModel
        fields = ["question"]


class TrainingRunFilter(filters.FilterSet):  # type: ignore[misc]
    scoring_model = filters.NumberFilter(field_name="scoring_model_id")
    status = filters.ChoiceFilter(choices=TrainingRun.Status.choices)

    class Meta:
        model = TrainingRun
        fields = ["scoring_model", "status"]


class ModelVersionFilter(filters.FilterSet):  # type: ignore[misc]
    scoring_model = filters.NumberFilter(field_name="scoring_model_id")

    class Meta:
        model = ModelVersion
        fields = ["scoring_model", "is_active", "status"]

"""Serializers: explicit fields, no business rules (writes go through the services).

Fields a role may not see are not left out of the body (the schema would lie): they are null,
as `answer_key` is for students.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lms.accounts.models import User
from lms.api.access import Access
from lms.api.models import ApiToken
from lms.assignments.models import (
    Answer,
    Assignment,
    Choice,
    Criterion,
    Level,
    Question,
    Submission,
)
from lms.courses.models import Course, Enrollment, Skill
from lms.grading.models import Grade
from mlcore.models import ModelVersion, Prediction, ScoringModel, TrainingRun


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "email", "display_name", "locale", "time_zone", "is_staff", "date_joined"]
        read_only_fields = ["id", "email", "is_staff", "date_joined"]


class PersonSerializer(serializers.ModelSerializer[User]):
    """Another person, as a roster shows them."""

    class Meta:
        model = User
        fields = ["id", "email", "display_name"]
        read_only_fields = fields


class TokenSerializer(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "created_at",
        ]
        read_only_fields = ["id", "prefix", "revoked_at", "last_used_at", "created_at"]


class NewTokenSerializer(TokenSerializer):
    """The one response that carries the key."""

    key = serializers.CharField(read_only=True, help_text="Shown this once; only a hash is kept.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]


class CourseSerializer(serializers.ModelSerializer[Course]):
    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "title",
            "description",
            "term",
            "ai_feedback",
            "is_archived",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer[Enrollment]):
    user = PersonSerializer(read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "course", "user", "role", "is_active", "created_at"]
        read_only_fields = fields


class SkillSerializer(serializers.ModelSerializer[Skill]):
    class Meta:
        model = Skill
        fields = ["id", "course", "name", "description"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    class Meta:
        model = Assignment
        fields = [
            "id",
            "course",
            "category",
            "title",
            "instructions",
            "opens_at",
            "due_at",
            "lock_at",
            "max_attempts",
            "attempt_scoring",
            "is_published",
            "release_policy",
            "position",
            "late_submissions_accepted",
            "late_deduction_percent",
            "late_interval",
            "late_minimum_percent",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ChoiceSerializer(serializers.ModelSerializer[Choice]):
    class Meta:
        model = Choice
        fields = ["id", "position", "text"]
        read_only_fields = fields


class LevelSerializer(serializers.ModelSerializer[Level]):
    class Meta:
        model = Level
        fields = ["id", "position", "points", "title", "description"]
        read_only_fields = fields


class CriterionSerializer(serializers.ModelSerializer[Criterion]):
    levels = LevelSerializer(many=True, read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "position", "title", "description", "levels"]
        read_only_fields = fields


class AnswerKeySerializer(serializers.Serializer[dict[str, Any]]):
    """What grades a question: its graders only."""

    correct_choice_ids = serializers.ListField(child=serializers.IntegerField())
    numeric_answer = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    numeric_tolerance = serializers.DecimalField(max_digits=20, decimal_places=6)
    accepted_answers = serializers.ListField(child=serializers.CharField())
    case_sensitive = serializers.BooleanField()
    reference_answers = serializers.ListField(child=serializers.CharField())
    key_points = serializers.ListField(child=serializers.CharField())


class QuestionSerializer(serializers.ModelSerializer[Question]):
    choices = ChoiceSerializer(many=True, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    skills: serializers.PrimaryKeyRelatedField[Skill] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    answer_key = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "assignment",
            "position",
            "kind",
            "prompt",
            "points",
            "max_chars",
            "skills",
            "choices",
            "criteria",
            "answer_key",
        ]
        read_only_fields = fields

    @extend_schema_field(AnswerKeySerializer(allow_null=True))
    def get_answer_key(self, question: Question) -> dict[str, Any] | None:
        access: Access = self.context["access"]
        if not access.is_grader_of(question.assignment.course_id):
            return None
        # Through the serializer, so that decimals are strings as the schema says (the renderer
        # would write a bare Decimal as a JSON number).
        key = {
            "correct_choice_ids": [c.pk for c in question.choices.all() if c.is_correct],
            "numeric_answer": question.numeric_answer,
            "numeric_tolerance": question.numeric_tolerance,
            "accepted_answers": question.accepted_answers,
            "case_sensitive": question.case_sensitive,
            "reference_answers": question.reference_answers,
            "key_points": question.key_points,
        }
        data: dict[str, Any] = AnswerKeySerializer(key).data
        return data


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    class Meta:
        model = Submission
        fields = [
            "id",
            "assignment",
            "student",
            "attempt",
            "status",
            "started_at",
            "submitted_at",
            "is_late",
            "minutes_late",
        ]
        read_only_fields = fields


class SubmitSerializer(serializers.Serializer[Submission]):
    """A submission: the assignment and one answer per question id, as the submit page sends."""

    assignment = serializers.IntegerField()
    answers = serializers.DictField(
        child=serializers.DictField(),
        help_text='Question id -> {"text": ...}, {"choice_ids": [...]} or {"number": ...}.',
    )


class AnswerSerializer(serializers.ModelSerializer[Answer]):
    choices: serializers.PrimaryKeyRelatedField[Choice] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Answer
        fields = ["id", "submission", "question", "text", "choices", "number", "updated_at"]
        read_only_fields = fields


class GradeSerializer(serializers.ModelSerializer[Grade]):
    levels: serializers.PrimaryKeyRelatedField[Level] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Grade
        fields = [
            "id",
            "answer",
            "state",
            "points",
            "comment",
            "source",
            "levels",
            "graded_by",
            "released_at",
            "updated_at",
        ]
        read_only_fields = fields


class GradeSetSerializer(serializers.Serializer[Grade]):
    """A teacher's decision on an answer: a draft grade."""

    answer = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, min_value=0)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    levels = serializers.ListField(child=serializers.IntegerField(), required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PredictionSerializer(serializers.ModelSerializer[Prediction]):
    class Meta:
        model = Prediction
        fields = [
            "id",
            "answer",
            "version",
            "kind",
            "score",
            "low",
            "high",
            "confidence",
            "key_points",
            "similar",
            "advice",
            "flags",
            "latency_ms",
            "created_at",
        ]
        read_only_fields = fields


class KeyPointSerializer(serializers.Serializer[Any]):
    key_point = serializers.CharField()
    met = serializers.BooleanField()
    evidence = serializers.CharField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)


class SegmentSerializer(serializers.Serializer[Any]):
    text = serializers.CharField()
    key_points = serializers.ListField(child=serializers.CharField())


class SimilarAnswerSerializer(serializers.Serializer[Any]):
    answer_id = serializers.IntegerField()
    similarity = serializers.FloatField()
    text = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    comment = serializers.CharField()
    student = serializers.CharField()


class AnswerFeedbackSerializer(serializers.Serializer[Any]):
    """One text answer's AI feedback; the last five fields are for graders (null or empty for
    the student)."""

    answer = serializers.IntegerField(source="answer.pk")
    question = serializers.IntegerField(source="answer.question_id")
    status = serializers.ChoiceField(choices=["ready", "pending", "hidden"])
    # A declared field named like Field's own `label` attribute: the serializer metaclass takes
    # it out of the class, which mypy cannot see.
    label = serializers.CharField()  # type: ignore[assignment]
    basis = serializers.CharField()
    max_points = serializers.DecimalField(max_digits=7, decimal_places=2)
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    low = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    high = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    key_points = KeyPointSerializer(many=True)
    segments = SegmentSerializer(many=True)
    advice = serializers.CharField()
    notices = serializers.ListField(child=serializers.CharField())
    confidence = serializers.FloatField(allow_null=True)
    model = serializers.CharField()
    flags = serializers.ListField(child=serializers.CharField())
    similar = SimilarAnswerSerializer(many=True)
    latency_ms = serializers.FloatField(allow_null=True)


class SubmissionFeedbackSerializer(serializers.Serializer[Any]):
    audience = serializers.ChoiceField(choices=["student", "teacher"])
    pending = serializers.BooleanField()
    answers = AnswerFeedbackSerializer(many=True)


class ScoringModelSerializer(serializers.ModelSerializer[ScoringModel]):
    class Meta:
        model = ScoringModel
        fields = [
            "id",
            "question",
            "family",
            "loss",
            "retrain_threshold",
            "suggestions_enabled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "question", "created_at", "updated_at"]
        extra_kwargs = {
            "family": {"required": False},
            "loss": {"required": False},
            # An explicit bound: the model field's own one is the database's integer range, which
            # differs between SQLite and PostgreSQL (and so would the committed schema).
            "retrain_threshold": {"required": False, "max_value": 100_000},
            "suggestions_enabled": {"required": False},
        }


class TrainingRunSerializer(serializers.ModelSerializer[TrainingRun]):
    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "scoring_model",
            "status",
            "trigger",
            "family",
            "loss",
            "queue",
            "progress",
            "stage",
            "loss_curve",
            "metrics",
            "error",
            "device",
            "cancel_requested",
            "promoted",
            "decision",
            "n_train",
            "n_heldout",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class TrainingStartSerializer(serializers.Serializer[TrainingRun]):
    scoring_model = serializers.IntegerField()


class ModelVersionSerializer(serializers.ModelSerializer[ModelVersion]):
    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "scoring_model",
            "number",
            "run",
            "family",
            "metrics",
            "is_active",
            "status",
            "broken_reason",
            "created_at",
            "activated_at",
        ]
        read_only_fields = fields


class VersionActivateSerializer(serializers.Serializer[ModelVersion]):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class GradebookColumnSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    category_id = serializers.IntegerField(allow_null=True)
    points_possible = serializers.DecimalField(max_digits=9, decimal_places=2)
    due_at = serializers.DateTimeField(allow_null=True)


class GradebookCategorySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)


class GradebookCellSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(allow_null=True, help_text="Assignment or category id.")
    value = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class GradebookRowSerializer(serializers.Serializer[Any]):
    student_id = serializers.IntegerField()
    email = serializers.CharField()
    name = serializers.CharField()
    scores = GradebookCellSerializer(many=True)
    category_percents = GradebookCellSerializer(many=True)
    total_percent = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class GradebookSerializer(serializers.Serializer[Any]):
    weighted = serializers.BooleanField()
    assignments = GradebookColumnSerializer(many=True)
    categories = GradebookCategorySerializer(many=True)
    rows = GradebookRowSerializer(many=True)

"""The model registry: one scoring model per text question, its training runs, its versions and
the predictions they made. Change these rows only through `mlcore.services`."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from lms.assignments.models import Answer, Question


class Family(models.TextChoices):
    AUTO = "auto", "Best of the CPU families (picked on held-out grades)"
    MLP = "mlp", "MLP on sentence embeddings"
    TEXTCNN = "textcnn", "TextCNN"
    RNN = "rnn", "Bidirectional GRU"
    TRANSFORMER = "transformer", "Small Transformer"
    CROSS_ENCODER = "cross_encoder", "Fine-tuned MiniLM cross-encoder (GPU)"


class Loss(models.TextChoices):
    MSE = "mse", "Regression (MSE)"
    CROSS_ENTROPY = "ce", "Classification (cross-entropy)"


class ScoringModel(models.Model):
    """How one text question is scored by AI, and whether its suggestions are shown."""

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, related_name="scoring_model"
    )
    family = models.CharField(max_length=16, choices=Family.choices, default=Family.AUTO)
    loss = models.CharField(max_length=4, choices=Loss.choices, default=Loss.MSE)
    retrain_threshold = models.PositiveIntegerField(
        default=20,
        validators=[MinValueValidator(1)],
        help_text="Retrain after this many new teacher grades on the question.",
    )
    suggestions_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Scoring model of question {self.question_id}"


class TrainingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Started by a teacher"
        THRESHOLD = "threshold", "New teacher grades"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    family = models.CharField(max_length=16, choices=Family.choices)
    loss = models.CharField(max_length=4, choices=Loss.choices)
    queue = models.CharField(max_length=16)
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text="Percent done."
    )
    stage = models.CharField(max_length=120, blank=True, help_text="What the run is doing now.")
    loss_curve = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    device = models.CharField(max_length=32, blank=True)
    cancel_requested = models.BooleanField(default=False)
    promoted = models.BooleanField(default=False)
    decision = models.CharField(max_length=300, blank=True, help_text="Why it was promoted or not.")
    n_train = models.PositiveIntegerField(default=0)
    n_heldout = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_runs",
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker picked the run up (redelivery after a crash)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one run in flight per question: a second "train" click joins the first.
            models.UniqueConstraint(
                fields=["scoring_model"],
                condition=Q(status__in=["queued", "running"]),
                name="mlcore_trainingrun_one_in_flight",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        READY = "ready", "Ready"
        BROKEN = "broken", "Broken (artifact missing or corrupt)"
        PRUNED = "pruned", "Artifact removed by the retention policy"

    scoring_model = models.ForeignKey(
        ScoringModel, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    run = models.OneToOneField(
        TrainingRun, on_delete=models.PROTECT, related_name="version", null=True, blank=True
    )
    family = models.CharField(max_length=16, choices=Family.choices)
    artifact = models.CharField(max_length=300, help_text="Folder in the artifact storage.")
    sha256 = models.CharField(max_length=64)
    config = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict, help_text="On held-out teacher grades.")
    is_active = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.READY)
    broken_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scoring_model", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["scoring_model", "number"], name="mlcore_modelversion_number_unique"
            ),
            models.UniqueConstraint(
                fields=["scoring_model"],
                condition=Q(is_active=True),
                name="mlcore_modelversion_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} of question {self.scoring_model.question_id}"


class Prediction(models.Model):
    """What a model version (or the reference-similarity fallback) said about one answer."""

    class Kind(models.TextChoices):
        MODEL = "model", "Trained model"
        SIMILARITY = "similarity", "Similarity to the reference answer (no trained model yet)"

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="predictions")
    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="predictions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    score = models.DecimalField(max_digits=7, decimal_places=2)
    low = models.DecimalField(max_digits=7, decimal_places=2)
    high = models.DecimalField(max_digits=7, decimal_places=2)
    confidence = models.FloatField()
    key_points = models.JSONField(default=list, help_text="Met and missed, with evidence spans.")
    similar = models.JSONField(default=list, help_text="Nearest teacher-graded answers.")
    advice = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="empty, truncated, ...")
    latency_ms = models.FloatField(default=0)
    input_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["answer", "-created_at"]
        constraints = [
            # A message delivered twice, or a rescore racing a score, leaves one row.
            models.UniqueConstraint(
                fields=["answer", "version"],
                condition=Q(version__isnull=False),
                name="mlcore_prediction_answer_version_unique",
            ),
            models.UniqueConstraint(
                fields=["answer"],
                condition=Q(version__isnull=True),
                name="mlcore_prediction_answer_fallback_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} on answer {self.answer_id}"

"""Routes under /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from lms.api.views import accounts, assignments, courses, grading, ml, webhooks

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("tokens", accounts.TokenViewSet, basename="token")
router.register("courses", courses.CourseViewSet, basename="course")
router.register("enrollments", courses.EnrollmentViewSet, basename="enrollment")
router.register("skills", courses.SkillViewSet, basename="skill")
router.register("assignments", assignments.AssignmentViewSet, basename="assignment")
router.register("questions", assignments.QuestionViewSet, basename="question")
router.register("submissions", assignments.SubmissionViewSet, basename="submission")
router.register("answers", assignments.AnswerViewSet, basename="answer")
router.register("grades", grading.GradeViewSet, basename="grade")
router.register("predictions", ml.PredictionViewSet, basename="prediction")
router.register("scoring-models", ml.ScoringModelViewSet, basename="scoring-model")
router.register("training-runs", ml.TrainingRunViewSet, basename="training-run")
router.register("model-versions", ml.ModelVersionViewSet, basename="model-version")
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("users/me/", accounts.MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]

from django.urls import path

from mlcore import views

app_name = "mlcore"

urlpatterns = [
    path("questions/<int:question_id>/model/", views.question_model, name="question_model"),
    path("questions/<int:question_id>/model/runs/", views.model_runs, name="model_runs"),
    path(
        "questions/<int:question_id>/model/versions/",
        views.model_versions,
        name="model_versions",
    ),
    path("questions/<int:question_id>/model/train/", views.model_train, name="model_train"),
    path(
        "questions/<int:question_id>/model/runs/<int:run_id>/cancel/",
        views.run_cancel,
        name="run_cancel",
    ),
    path(
        "questions/<int:question_id>/model/versions/<int:version_id>/restore/",
        views.version_restore,
        name="version_restore",
    ),
    path("questions/<int:question_id>/queue/", views.queue, name="queue"),
    path(
        "questions/<int:question_id>/queue/accept/",
        views.queue_accept_many,
        name="queue_accept_many",
    ),
    path(
        "questions/<int:question_id>/queue/<int:answer_id>/",
        views.queue_decide,
        name="queue_decide",
    ),
]

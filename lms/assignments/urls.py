from django.urls import path

from lms.assignments import views

app_name = "assignments"

urlpatterns = [
    path("<int:assignment_id>/", views.assignment_detail, name="detail"),
    path("<int:assignment_id>/submit/", views.assignment_confirm, name="confirm"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path(
        "submissions/<int:submission_id>/feedback/",
        views.submission_feedback,
        name="submission_feedback",
    ),
]

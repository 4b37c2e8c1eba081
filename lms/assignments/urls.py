from django.urls import path

from lms.assignments import analytics_views, editor_views, views

app_name = "assignments"

urlpatterns = [
    path("<int:assignment_id>/", views.assignment_detail, name="detail"),
    path("<int:assignment_id>/submit/", views.assignment_confirm, name="confirm"),
    path(
        "<int:assignment_id>/analytics/",
        analytics_views.assignment_analytics_page,
        name="analytics",
    ),
    # The teacher's editor (lms/assignments/editor_views.py).
    path("course/<int:course_id>/new/", editor_views.assignment_new, name="new"),
    path("course/<int:course_id>/preview/", editor_views.markdown_preview, name="preview"),
    path("<int:assignment_id>/edit/", editor_views.assignment_edit, name="edit"),
    path(
        "<int:assignment_id>/edit/publish/",
        editor_views.assignment_publish_toggle,
        name="publish",
    ),
    path(
        "<int:assignment_id>/edit/questions/new/<str:kind>/",
        editor_views.question_new,
        name="question_new",
    ),
    path(
        "<int:assignment_id>/edit/questions/<int:question_id>/",
        editor_views.question_edit,
        name="question_edit",
    ),
    path(
        "<int:assignment_id>/edit/questions/<int:question_id>/delete/",
        editor_views.question_remove,
        name="question_delete",
    ),
    path(
        "<int:assignment_id>/edit/questions/<int:question_id>/move/",
        editor_views.question_move,
        name="question_move",
    ),
    path("<int:assignment_id>/edit/extensions/", editor_views.extensions, name="extensions"),
    path(
        "<int:assignment_id>/edit/extensions/<int:extension_id>/remove/",
        editor_views.extension_remove,
        name="extension_remove",
    ),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path(
        "submissions/<int:submission_id>/feedback/",
        views.submission_feedback,
        name="submission_feedback",
    ),
]

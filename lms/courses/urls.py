from django.urls import path

from lms.courses import manage_views, views

app_name = "courses"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("<int:course_id>/", views.detail, name="detail"),
    # Teachers' pages (lms/courses/manage_views.py)
    path("new/", manage_views.course_new, name="new"),
    path("<int:course_id>/settings/", manage_views.course_edit, name="edit"),
    path("<int:course_id>/join-code/", manage_views.join_code_rotate, name="join_code"),
    path("<int:course_id>/roster/", manage_views.roster, name="roster"),
    path("<int:course_id>/roster/add/", manage_views.roster_add, name="roster_add"),
    path("<int:course_id>/roster/import/", manage_views.roster_import, name="roster_import"),
    path(
        "<int:course_id>/roster/<int:enrollment_id>/role/",
        manage_views.enrollment_role,
        name="enrollment_role",
    ),
    path(
        "<int:course_id>/roster/<int:enrollment_id>/end/",
        manage_views.enrollment_end,
        name="enrollment_end",
    ),
]

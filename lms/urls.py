"""URL root."""

from django.contrib import admin
from django.urls import include, path

from lms.core import views as core_views

admin.site.site_header = "Aula administration"
admin.site.site_title = "Aula admin"

urlpatterns = [
    path("", include(([path("", core_views.home, name="home")], "core"))),
    path("admin/", admin.site.urls),
    path("accounts/", include("lms.accounts.urls")),
    path("courses/", include("lms.courses.urls")),
    path("assignments/", include("lms.assignments.urls")),
    # Gradebook and release pages: under /courses/<id>/ and /assignments/<id>/ (see its module).
    path("", include("lms.grading.urls")),
    path("grades/", include("lms.grading.student_urls")),
    path("notifications/", include("lms.notifications.urls")),
    path("ml/", include("mlcore.urls")),
    path("api/v1/", include("lms.api.urls")),
]

from django.urls import path
from django.views.generic import TemplateView

from . import views

app_name = "standards"
urlpatterns = [
    path("", views.index, name="index"),
    # public: what the standard covers and how accreditation works (no criterion text)
    path("about/", TemplateView.as_view(template_name="standards/about.html"), name="about"),
    path("import/", views.version_import, name="version_import"),
    path("<int:pk>/compare/", views.version_compare, name="version_compare"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/export/", views.version_export, name="version_export"),
    path("versions/<int:pk>/copy/", views.version_copy, name="version_copy"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/retire/", views.version_retire, name="version_retire"),
    path("versions/<int:pk>/settings/", views.version_settings, name="version_settings"),
    path("versions/<int:pk>/delete/", views.version_delete, name="version_delete"),
    path("versions/<int:pk>/themes/<int:number>/edit/", views.theme_edit, name="theme_edit"),
    path(
        "versions/<int:pk>/themes/<int:number>/criteria/add/",
        views.criterion_create,
        name="criterion_create",
    ),
    path("criteria/<int:pk>/", views.criterion_detail, name="criterion_detail"),
    path("criteria/<int:pk>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:pk>/delete/", views.criterion_delete, name="criterion_delete"),
    path("criteria/<int:pk>/move/", views.criterion_move, name="criterion_move"),
]

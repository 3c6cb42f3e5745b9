from django.urls import path

from . import views

app_name = "providers"
urlpatterns = [
    path("", views.organisation_list_view, name="organisation_list"),
    path("new/", views.organisation_create, name="organisation_create"),
    path("<int:pk>/", views.organisation_detail, name="organisation_detail"),
]

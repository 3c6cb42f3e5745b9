"""The public register and certificate verification (mounted at the site's root)."""

from django.urls import path, re_path

from .views import register

app_name = "register"
urlpatterns = [
    path("register/", register.register, name="register"),
    path("verify/", register.verify, name="verify"),
    re_path(
        r"^verify/(?P<number>[A-Za-z0-9-]{1,30})\.json$", register.verify_json, name="verify_json"
    ),
    re_path(
        r"^verify/(?P<number>[A-Za-z0-9-]{1,30})/$", register.verify_number, name="verify_number"
    ),
]

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/unlock/", views.signin_unlock_request, name="signin_unlock_request"),
    path("accounts/unlock/<str:token>/", views.signin_unlock, name="signin_unlock"),
    path("profile/", views.profile, name="profile"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read/", views.notifications_mark_all_read, name="notifications_mark_read"),
    path("assessors/", views.assessor_list_view, name="assessor_list"),
    path("assessors/new/", views.assessor_create, name="assessor_create"),
    path("assessors/<int:pk>/active/", views.assessor_set_active, name="assessor_set_active"),
    path(
        "assessors/<int:pk>/resend-invitation/",
        views.assessor_resend_invitation,
        name="assessor_resend_invitation",
    ),
]

from django.urls import path

from .views import account_requests, members, organisations, programmes

app_name = "providers"
urlpatterns = [
    # administrators: the register of organisations
    path("", organisations.organisation_list_view, name="organisation_list"),
    path("new/", organisations.organisation_create, name="organisation_create"),
    path("<int:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path("<int:pk>/edit/", organisations.organisation_edit_admin, name="organisation_edit_admin"),
    path(
        "<int:pk>/users/<int:member_pk>/resend-invitation/",
        organisations.organisation_member_resend,
        name="organisation_member_resend",
    ),
    # administrators: requests for an account
    path("requests/", account_requests.account_request_list, name="account_request_list"),
    path(
        "requests/<int:pk>/", account_requests.account_request_detail, name="account_request_detail"
    ),
    path(
        "requests/<int:pk>/edit/",
        account_requests.account_request_edit,
        name="account_request_edit",
    ),
    path(
        "requests/<int:pk>/approve/",
        account_requests.account_request_approve,
        name="account_request_approve",
    ),
    path(
        "requests/<int:pk>/reject/",
        account_requests.account_request_reject,
        name="account_request_reject",
    ),
    # the public: ask for an account, accept an invitation
    path("request-an-account/", account_requests.account_request, name="account_request"),
    path(
        "request-an-account/sent/",
        account_requests.account_request_sent,
        name="account_request_sent",
    ),
    path("join/<str:token>/", members.invitation_accept, name="invitation_accept"),
    # provider users: their own organisation (never named in the URL)
    path("your-organisation/", organisations.organisation_home, name="organisation_home"),
    path("your-organisation/edit/", organisations.organisation_edit, name="organisation_edit"),
    path("your-organisation/users/", members.member_list, name="member_list"),
    path("your-organisation/users/invite/", members.member_invite, name="member_invite"),
    path(
        "your-organisation/users/<int:pk>/role/",
        members.member_change_role,
        name="member_change_role",
    ),
    path(
        "your-organisation/users/<int:pk>/signing/",
        members.member_set_signing,
        name="member_set_signing",
    ),
    path("your-organisation/users/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path(
        "your-organisation/invitations/<int:pk>/resend/",
        members.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "your-organisation/invitations/<int:pk>/withdraw/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
    path("your-organisation/programmes/", programmes.programme_list, name="programme_list"),
    path("your-organisation/programmes/new/", programmes.programme_create, name="programme_create"),
    path(
        "your-organisation/programmes/<int:pk>/",
        programmes.programme_detail,
        name="programme_detail",
    ),
    path(
        "your-organisation/programmes/<int:pk>/edit/",
        programmes.programme_edit,
        name="programme_edit",
    ),
    path(
        "your-organisation/programmes/<int:pk>/delete/",
        programmes.programme_delete,
        name="programme_delete",
    ),
]

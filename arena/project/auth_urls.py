"""Account pages: sign in and out, change the password. No self-service reset or sign-up:
the team's admin creates accounts, and anonymous visitors reach nothing but the login page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from arena.forms import LoginForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

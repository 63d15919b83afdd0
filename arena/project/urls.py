"""Root URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from arena import views, views_edit
from arena.forms import AdminLoginForm
from generation.views import output_file

arena_patterns = (
    [
        path("", views.home, name="home"),
        path("vote/", views.vote_next, name="vote"),
        # Before vote/<token>/, which would take "next" for a token.
        path("vote/next/", views.battle_prefetch, name="prefetch"),
        path("vote/<str:token>/", views.battle, name="battle"),
        path("vote/<str:token>/shown/", views.battle_shown, name="battle-shown"),
        path("outputs/<str:signed>", views.battle_output, name="output"),
        path("prompt/", views.prompt_new, name="prompt"),
        # Before prompt/<token>/, which would take "edit" for a token.
        path("prompt/edit/", views_edit.edit_new, name="edit"),
        path("prompt/<str:token>/", views.prompt_battle, name="prompt-battle"),
        path("prompt/<str:token>/status/", views.prompt_status, name="prompt-status"),
        path("prompt/<str:token>/retry/", views.prompt_retry, name="prompt-retry"),
    ],
    "arena",
)

admin.site.site_header = "Arena administration"
admin.site.site_title = "Arena admin"
admin.site.site_url = "/vote/"

urlpatterns = [
    path("", include(arena_patterns)),
    path("media/outputs/<str:name>", output_file, name="output-file"),
    path("media/sources/<str:name>", views_edit.source_file, name="source-file"),
    path("api/v1/", include("ratings.api.urls")),
    path("leaderboard/", include("ratings.urls")),
    path("accounts/", include("arena.project.auth_urls")),
    path("admin/", admin.site.urls),
]
handler500 = "arena.core.errors.server_error"
admin.site.login_form = AdminLoginForm

from __future__ import annotations

from django.urls import path

from ratings import views

app_name = "ratings"

urlpatterns = [
    path("", views.leaderboard, name="overall"),
    path("<slug:slug>/", views.leaderboard, name="board"),
    path("<slug:slug>.csv", views.leaderboard_csv, name="csv"),
]

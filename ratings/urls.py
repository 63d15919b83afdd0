from __future__ import annotations

from django.urls import path

from ratings import views, views_personal

app_name = "ratings"

urlpatterns = [
    path("", views.leaderboard, name="overall"),
    # A voter's own board; before the category boards, so "mine" is never read as a slug.
    path("mine/", views_personal.personal, name="personal"),
    path("mine/<slug:slug>/", views_personal.personal, name="personal-board"),
    path("voter/<str:username>/", views_personal.personal, name="voter"),
    path("voter/<str:username>/<slug:slug>/", views_personal.personal, name="voter-board"),
    path("<slug:slug>/", views.leaderboard, name="board"),
    path("<slug:slug>.csv", views.leaderboard_csv, name="csv"),
]

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from ratings.api import views

app_name = "api"

urlpatterns = [
    path("categories/", views.CategoryList.as_view(), name="categories"),
    path("generators/", views.GeneratorList.as_view(), name="generators"),
    path("leaderboards/", views.LeaderboardList.as_view(), name="leaderboards"),
    path("leaderboards/<str:category>/", views.LeaderboardDetail.as_view(), name="leaderboard"),
    path("matrix/<str:category>/", views.Matrix.as_view(), name="matrix"),
    path("route/", views.Route.as_view(), name="route"),
    path("battles/export/", views.BattlesExport.as_view(), name="battles-export"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.ApiDocs.as_view(url_name="api:schema"), name="docs"),
]

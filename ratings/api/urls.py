from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from ratings.api import docs, views

app_name = "api"

# The schema lists operations in this order (SORT_OPERATIONS is off): route first.
urlpatterns = [
    path("", docs.ApiIndex.as_view(), name="index"),
    path("route/", views.Route.as_view(), name="route"),
    path("leaderboards/", views.LeaderboardList.as_view(), name="leaderboards"),
    path("leaderboards/<str:category>/", views.LeaderboardDetail.as_view(), name="leaderboard"),
    path("matrix/<str:category>/", views.Matrix.as_view(), name="matrix"),
    path("categories/", views.CategoryList.as_view(), name="categories"),
    path("generators/", views.GeneratorList.as_view(), name="generators"),
    path("battles/export/", views.BattlesExport.as_view(), name="battles-export"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.ApiDocs.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc.js", docs.RedocScript.as_view(), name="docs-script"),
]

"""MLflow's registry paths, mounted under ``/api/2.0/mlflow/`` and ``/ajax-api/2.0/mlflow/``.
Any other path under those prefixes answers MLflow's ``ENDPOINT_NOT_FOUND``."""

from django.urls import path, re_path

from integrations.mlflow import views
from integrations.mlflow.errors import endpoint_not_found

app_name = "mlflow"

urlpatterns = [
    path("registered-models/create", views.RegisteredModelCreate.as_view()),
    path("registered-models/get", views.RegisteredModelGet.as_view()),
    path("registered-models/update", views.RegisteredModelUpdate.as_view()),
    path("registered-models/rename", views.RegisteredModelRename.as_view()),
    path("registered-models/delete", views.RegisteredModelDelete.as_view()),
    path("registered-models/search", views.RegisteredModelSearch.as_view()),
    path("registered-models/get-latest-versions", views.GetLatestVersions.as_view()),
    path("registered-models/set-tag", views.RegisteredModelSetTag.as_view()),
    path("registered-models/delete-tag", views.RegisteredModelDeleteTag.as_view()),
    path("registered-models/alias", views.RegisteredModelAlias.as_view()),
    path("model-versions/create", views.ModelVersionCreate.as_view()),
    path("model-versions/get", views.ModelVersionGet.as_view()),
    path("model-versions/update", views.ModelVersionUpdate.as_view()),
    path("model-versions/delete", views.ModelVersionDelete.as_view()),
    path("model-versions/search", views.ModelVersionSearch.as_view()),
    path("model-versions/get-download-uri", views.ModelVersionDownloadUri.as_view()),
    path("model-versions/set-tag", views.ModelVersionSetTag.as_view()),
    path("model-versions/delete-tag", views.ModelVersionDeleteTag.as_view()),
    path("model-versions/transition-stage", views.ModelVersionTransitionStage.as_view()),
    re_path(r"^.*$", endpoint_not_found),
]

from django.apps import AppConfig


class ModelsAppConfig(AppConfig):
    name = "ormbench.catalogue.models_app"
    label = "models_app"  # the tables keep their names: models_app_book, ...
    default_auto_field = "django.db.models.BigAutoField"

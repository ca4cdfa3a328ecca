"""The bookclub's settings. django-ormbench keeps them all and replaces DATABASES with the
database of each run (a throwaway server, or yours through --db-url)."""

SECRET_KEY = "example-only"
DEBUG = False
INSTALLED_APPS = ["bookclub.clubs"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "bookclub.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

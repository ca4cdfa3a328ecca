"""The bookshop: the models every bundled scenario reads and writes, with their migrations.

Its app label stays "models_app", so its tables keep their names (models_app_book, ...)."""

"""django-ormbench: the harness that measures and checks Django ORM patterns."""

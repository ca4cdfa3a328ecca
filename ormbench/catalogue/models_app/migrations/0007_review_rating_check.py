from django.db import migrations, models

from ormbench.catalogue.models_app.models import CONDITION


class Migration(migrations.Migration):
    """A rating from 1 to 5, held by the database (constraint_checks times it against
    full_clean(), which checks it with a query of its own)."""

    dependencies = [
        ("models_app", "0006_article_updated_auto_now"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="review",
            constraint=models.CheckConstraint(
                **{CONDITION: models.Q(rating__gte=1, rating__lte=5)}, name="rating_one_to_five"
            ),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    """auto_now changes what save() writes, not the schema: no SQL."""

    dependencies = [
        ("models_app", "0005_visits"),
    ]

    operations = [
        migrations.AlterField(
            model_name="article",
            name="updated",
            field=models.DateTimeField(auto_now=True),
        ),
    ]

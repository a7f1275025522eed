from django.db import migrations


def zero_population_is_unknown(apps, schema_editor):
    """A population of 0 meant "not known" before it could be empty: it is now NULL, so that
    per-head figures say it is missing instead of dividing by nothing."""
    for name in ("Region", "District", "Mahalla"):
        apps.get_model("matching", name).objects.filter(population=0).update(population=None)


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0013_programme_setup"),
    ]

    operations = [
        migrations.RunPython(zero_population_is_unknown, migrations.RunPython.noop),
    ]

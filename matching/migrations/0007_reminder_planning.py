from django.db import migrations


class Migration(migrations.Migration):
    """Reserved for the reminder planning change (filled in by that change)."""

    dependencies = [("matching", "0006_imports_batches")]
    operations = []

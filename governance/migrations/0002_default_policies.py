"""Seed one policy per risk tier with Steward's defaults."""

from django.db import migrations


def forwards(apps, schema_editor):
    from governance.policies.defaults import DEFAULT_POLICIES

    Policy = apps.get_model("governance", "Policy")
    for tier, values in DEFAULT_POLICIES.items():
        Policy.objects.get_or_create(risk_tier=tier, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""Create the role groups of DESIGN.md and the audit chain's head row."""

from django.db import migrations

ROLES = ["engineer", "compliance", "legal", "security", "finance", "privacy", "executive", "auditor"]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    Head = apps.get_model("registry", "AuditChainHead")
    Head.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": "0" * 64})


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLES, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

"""Create the 客服 (support agent) group that the agent role is built on."""

from django.db import migrations

AGENT_GROUP = "客服"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=AGENT_GROUP)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=AGENT_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]

"""Every assessor has an assessor profile: make one for each assessor account made before
profiles were created with the account."""

from django.db import migrations


def profiles_for_assessors(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AssessorProfile = apps.get_model("accreditation", "AssessorProfile")
    have = set(AssessorProfile.objects.values_list("user_id", flat=True))
    AssessorProfile.objects.bulk_create(
        AssessorProfile(user_id=pk)
        for pk in User.objects.filter(role="assessor").values_list("pk", flat=True)
        if pk not in have
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accreditation", "0005_information_revision_previous"),
    ]

    operations = [migrations.RunPython(profiles_for_assessors, migrations.RunPython.noop)]

"""Signing declarations is now a right a lead or a contributor holds, not a role of its own.

A former signatory worked on self-assessments and signed: that is a contributor who can sign.
Open invitations sent for the signatory role carry the same meaning. Nobody loses the right to
sign, and nobody gains the right to manage the organisation.
"""

from django.db import migrations

SIGNATORY = "signatory"
CONTRIBUTOR = "contributor"


def signatories_to_contributors(apps, schema_editor):
    for model_name in ("Membership", "Invitation"):
        model = apps.get_model("providers", model_name)
        model.objects.filter(role=SIGNATORY).update(role=CONTRIBUTOR, can_sign=True)


def contributors_who_sign_to_signatories(apps, schema_editor):
    """Going back, a contributor who could sign becomes a signatory again; a lead who could sign
    stays a lead (the old scheme had no way to be both, and leading matters more)."""
    for model_name in ("Membership", "Invitation"):
        model = apps.get_model("providers", model_name)
        model.objects.filter(role=CONTRIBUTOR, can_sign=True).update(role=SIGNATORY)
        model.objects.filter(can_sign=True).update(can_sign=False)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0004_signing_right"),
    ]

    operations = [
        migrations.RunPython(signatories_to_contributors, contributors_who_sign_to_signatories),
    ]

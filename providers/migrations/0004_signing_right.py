from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0003_memberships_invitations_account_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="can_sign",
            field=models.BooleanField(
                default=False,
                help_text="May sign the declaration and submit applications for the organisation.",
                verbose_name="can sign declarations",
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="can_sign",
            field=models.BooleanField(default=False, verbose_name="can sign declarations"),
        ),
    ]

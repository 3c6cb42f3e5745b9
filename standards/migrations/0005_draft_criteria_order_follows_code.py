"""Drafts list their criteria in code order from now on: set each draft criterion's ``order`` to
the number after the dot of its code. Published and retired versions are left exactly as they were
(they are immutable, and the database refuses changes to them)."""

from django.db import migrations


def order_by_code(apps, schema_editor):
    Criterion = apps.get_model("standards", "Criterion")
    changed = []
    for criterion in Criterion.objects.filter(theme__version__status="draft").only("code", "order"):
        _, _, number = criterion.code.partition(".")
        position = int(number) if number.isdigit() else 0
        if criterion.order != position:
            criterion.order = position
            changed.append(criterion)
    Criterion.objects.bulk_update(changed, ["order"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0004_code_patterns_end_anchor"),
    ]

    operations = [
        migrations.RunPython(order_by_code, migrations.RunPython.noop),
    ]

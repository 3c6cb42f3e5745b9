"""Criteria get a stable identity across versions: ``key`` (and ``merged_keys`` for merges).

Existing criteria are given keys here. A criterion that the comparison of versions would match with
one of the version before it (the version it was copied from, or else the one made just before it
in the same standard) takes that criterion's key; any other criterion gets a new random key. The
matching is the comparison's own as it stood when keys arrived (same code and title; then same
title; then same requirement; then same code), written out below so that this migration keeps
meaning what it meant.

Published and retired criteria are written to here, which the immutability triggers of migration
0003 refuse, so the triggers are dropped first and created again at the end, from 0003's own
definitions. On SQLite this is needed anyway: adding a column or a constraint rebuilds the
criteria table, and a rebuilt table has lost its triggers. Everything runs in one transaction, so
a failure leaves the triggers as they were.
"""

import importlib
import secrets
from collections import defaultdict

import django.core.validators
from django.db import migrations, models

import standards.models

triggers = importlib.import_module("standards.migrations.0003_immutability_triggers")


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _match(old: list, new: list) -> list[tuple]:
    """Pairs (old criterion, new criterion), as the comparison of versions matched them."""
    old_left = {c.code: c for c in old}
    new_left = {c.code: c for c in new}
    pairs = []

    def pair(before, after) -> None:
        pairs.append((before, after))
        del old_left[before.code], new_left[after.code]

    for code, after in list(new_left.items()):
        before = old_left.get(code)
        if before is not None and _normal(before.title) == _normal(after.title):
            pair(before, after)
    for attribute in ("title", "requirement"):
        candidates: dict[str, list] = {}
        for before in old_left.values():
            candidates.setdefault(_normal(getattr(before, attribute)), []).append(before)
        for after in list(new_left.values()):
            text = _normal(getattr(after, attribute))
            if text and candidates.get(text):
                pair(candidates[text].pop(0), after)
    for code, after in list(new_left.items()):
        if code in old_left:
            pair(old_left[code], after)
    return pairs


def _fresh_key(taken: set[str]) -> str:
    while (key := secrets.token_hex(6)) in taken:
        pass
    return key


def give_keys(apps, schema_editor):
    StandardVersion = apps.get_model("standards", "StandardVersion")
    Criterion = apps.get_model("standards", "Criterion")
    criteria_of = defaultdict(list)
    for criterion in Criterion.objects.select_related("theme").order_by(
        "theme__number", "order", "code"
    ):
        criteria_of[criterion.theme.version_id].append(criterion)
    done: set[int] = set()
    latest_of_standard: dict[int, int] = {}
    versions = StandardVersion.objects.order_by("created_at", "pk").values_list(
        "pk", "standard_id", "based_on_id"
    )
    for pk, standard_id, based_on_id in versions:
        predecessor = based_on_id or latest_of_standard.get(standard_id)
        latest_of_standard[standard_id] = pk
        criteria = criteria_of[pk]
        keys: dict[int, str] = {}
        if predecessor in done:
            for before, after in _match(criteria_of[predecessor], criteria):
                keys[after.pk] = before.key
        taken = set(keys.values())
        for criterion in criteria:
            criterion.key = keys.get(criterion.pk) or _fresh_key(taken)
            taken.add(criterion.key)
        done.add(pk)
    Criterion.objects.bulk_update(
        [c for criteria in criteria_of.values() for c in criteria], ["key"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0005_draft_criteria_order_follows_code"),
    ]

    operations = [
        migrations.RunPython(triggers.drop_triggers, triggers.create_triggers, elidable=False),
        migrations.AddField(
            model_name="criterion",
            name="key",
            field=models.CharField(
                default=standards.models.new_criterion_key,
                editable=False,
                help_text="Identity of the criterion across versions; never changes.",
                max_length=40,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?\\Z",
                        "Use lower-case letters, digits and dashes, up to 40 characters, starting "
                        "and ending with a letter or digit, e.g. informed-consent.",
                    )
                ],
            ),
        ),
        migrations.AddField(
            model_name="criterion",
            name="merged_keys",
            field=models.JSONField(
                blank=True,
                default=list,
                editable=False,
                help_text="Keys of criteria of earlier versions that were merged into this one.",
            ),
        ),
        migrations.RunPython(give_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="criterion",
            constraint=models.UniqueConstraint(
                fields=("theme", "key"), name="standards_criterion_key_unique"
            ),
        ),
        migrations.AlterField(
            model_name="versionevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("created", "Draft created"),
                    ("imported", "Imported from a file"),
                    ("copied", "Draft made from another version"),
                    ("revised", "Changes applied from a file"),
                    ("criterion_removed", "Criterion removed"),
                    ("criteria_merged", "Criteria merged"),
                    ("published", "Published"),
                    ("retired", "Retired"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(triggers.create_triggers, triggers.drop_triggers, elidable=False),
    ]

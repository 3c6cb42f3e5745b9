"""Writing a version out as a ``qismet-standard/1`` file.

The output is deterministic (fixed key order, every optional field written except an empty
weight and an empty list of merged keys), so export → import → export gives the same document byte for byte, and two exports can be
compared with any text diff tool.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..models import StandardVersion
from ..selectors import version_with_content
from .schema import FORMAT


class _Dumper(yaml.SafeDumper):
    """SafeDumper with indented lists and multi-line text written as readable ``|`` blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def version_document(version: StandardVersion) -> dict[str, Any]:
    """The version as the plain data of the file format (also what the comparison page reads)."""
    standard = version.standard
    themes = []
    for theme in version.themes.all():
        criteria = []
        for criterion in theme.criteria.all():
            item: dict[str, Any] = {
                "key": criterion.key,
                "code": criterion.code,
                "title": criterion.title,
                "requirement": criterion.requirement,
                "guidance": criterion.guidance,
                "evidence_examples": list(criterion.evidence_examples),
                "mandatory": criterion.mandatory,
                "not_applicable_allowed": criterion.na_allowed,
            }
            if criterion.weight is not None:
                item["weight"] = float(criterion.weight)
            if criterion.merged_keys:
                item["merged_keys"] = list(criterion.merged_keys)
            criteria.append(item)
        themes.append(
            {
                "number": theme.number,
                "title": theme.title,
                "summary": theme.summary,
                "criteria": criteria,
            }
        )
    rule = version.outcome_rule
    return {
        "format": FORMAT,
        "standard": {
            "code": standard.code,
            "name": standard.name,
            "description": standard.description,
            "demonstration": standard.is_demonstration,
        },
        "version": {
            "number": version.number,
            "notes": version.notes,
            "certificate_validity_months": version.certificate_validity_months,
            "not_applicable_label": version.not_applicable_label,
            "scale": [
                {
                    "code": level.get("code"),
                    "label": level.get("label"),
                    "meaning": level.get("meaning"),
                    "description": level.get("description", ""),
                }
                for level in version.scale
            ],
            "outcome_rule": {
                "accredited": {
                    "all_mandatory_met": rule.get("accredited", {}).get("all_mandatory_met"),
                    "max_not_met": rule.get("accredited", {}).get("max_not_met"),
                },
                "conditional": {
                    "max_mandatory_not_met": rule.get("conditional", {}).get(
                        "max_mandatory_not_met"
                    ),
                },
            },
        },
        "themes": themes,
    }


def standard_export(*, version: StandardVersion) -> str:
    """The version as YAML text in the ``qismet-standard/1`` format."""
    version = version_with_content(version.pk)
    return yaml.dump(
        version_document(version),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def export_filename(version: StandardVersion) -> str:
    """A safe download name such as ``QIS-2020-2026.1.yaml``."""
    raw = f"{version.standard.code}-{version.number}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip(".-") + ".yaml"

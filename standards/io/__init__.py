"""Standard files: the ``qismet-standard/1`` YAML format, its validation, import and export.

The real QISMET standard is copyrighted, so it is never part of the code: administrators load it
from a file. Validation checks the whole file before anything is written and lists every problem
by its place; import then writes everything in one transaction or nothing at all.
"""

from .exporter import export_filename, standard_export
from .importer import standard_import
from .schema import FORMAT, StandardDocument, StandardFileInvalid, standard_file_parse

__all__ = [
    "FORMAT",
    "StandardDocument",
    "StandardFileInvalid",
    "export_filename",
    "standard_export",
    "standard_file_parse",
    "standard_import",
]

"""Conformance checks that real consumers make, run on the project's real outputs.

`ooxml`: every part of a DOCX against the ISO/IEC 29500 Transitional schemas (RELAX NG compact,
validated by jing after Markup Compatibility processing) and the package rules Word enforces
beyond the schemas. `pdfrules`: every rule of veraPDF's PDF/A-2b and PDF/UA-1 profiles.
"""

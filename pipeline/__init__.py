"""Document pipeline for Södertörnskommunernas samarbetskommitté's Verksamhetsplan och budget.

Stages, one module each: sources (read) → load (model) → checks → context → render (DOCX, with
markdown and figures) → package (a package Word opens cleanly) → pdf (LibreOffice) → normalize
and pdf_tags (PDF/A and PDF/UA) → writer. `build` runs them in order.
"""

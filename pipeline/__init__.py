"""Document pipeline for Södertörnskommunernas samarbetskommitté's Verksamhetsplan och budget.

Stages, one module each: sources (read) → load (model) → checks → context → render (DOCX)
→ compose (appendices) → pdf (LibreOffice) → normalize → writer. `build` runs them in order.
"""

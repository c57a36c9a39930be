"""Document pipeline for Södertörnskommunernas samarbetskommitté's Verksamhetsplan och budget.

Where to look (one module per stage; `build` runs the plan's stages in order):

Shared model, every output starts here
    paths, sources (read files) → load, model (validated data) → checks → context (what templates see)
Word and PDF
    templates (prepare the Word template) → figures, markdown → render → layout → package
    → contents (contents list with page numbers) → pdf, uno_convert (LibreOffice) → normalize,
    pdf_tags, pdf_content (PDF/A, PDF/UA) → proofread (the PDF against the DOCX)
Web page
    html (templates/verksamhetsplan.html and .css, figures as inline SVG)
Yearly steps
    newyear (next year's sources), round and identity (the draft round), comments, revisions,
    compare and changes (answers and versions), archive (the decided plan)
Shared helpers
    ooxml, safezip, formatting, writer (atomic writes), uptodate, errors, cli
"""

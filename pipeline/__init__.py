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
    newyear (next year's sources), round and copy_identity (the draft round: each municipality's
    copy), comments, revisions, compare and changes (answers and versions), identities and followup
    (activity ids, the follow-up), archive (the decided plan and its follow-ups; eark writes and
    reads the E-ARK information package, delivery reads sources/gemensamt/arkiv.yaml)
Shared helpers
    ooxml, safezip, formatting, writer (atomic writes), uptodate, errors, cli
"""

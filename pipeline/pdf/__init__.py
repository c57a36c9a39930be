"""PDF: LibreOffice converts, then the PDF is made reproducible, tagged for screen readers and proofread.

    libreoffice  the LibreOffice session (one warm process for every document of a run) and the helper
    uno_convert  the UNO script LibreOffice's Python runs (no pipeline imports)
    normalize    dates, /ID, metadata and XMP made the document's own (reproducible bytes)
    tags         the structure tree repaired: headings, tables, figures, bookmarks
    marks        reading the marked content back from the pages
    proofread    the PDF read against the DOCX: every heading, paragraph and figure where it should be
"""

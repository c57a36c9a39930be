"""Word: OOXML helpers, the templates, rendering a context into a DOCX, its layout and contents list.

    ooxml          namespaces, the text parts, replacing parts; a paragraph's text and heading level
    wordlib        docxtpl and docxcompose, imported with python-docx's namespace map repaired
    templates      preparing a Word template (styles found by name, placeholders checked), lint-templates
    markdown       Markdown to Word through pandoc (subdocuments and inline runs)
    render         a template and a context into DOCX bytes; the figures' PNGs put in
    layout         tables, keep-with-next and line breaks decided after rendering
    contents       the contents list, with page numbers from the PDF
    package        the last cleaning of every DOCX the project writes
    copy_identity  the custom properties that name a copy of the draft round
"""

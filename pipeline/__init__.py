"""Document pipeline for Södertörnskommunernas samarbetskommitté's Verksamhetsplan och budget.

The rooms, each reading only the rooms above it in this list (docs/arkitektur.md):

    errors, paths  the user-facing errors; where sources and outputs lie
    infra/         atomic writes, the cache, the up-to-date check
    sources/       reading the YAML and Markdown files into the validated model
    content/       Swedish formatting, the context the templates see, the figures, Markdown as pandoc reads it
    docx/          OOXML helpers, Word templates, rendering, layout, contents list, package cleaning
    pdf/           LibreOffice, normalising the PDF, its tags, reading it back, proofreading it
    web/           the web page
    checks/        every check of the sources, and the gate that runs them before anything is written
    documents/     the plan, the follow-up and the cover letter: one pipeline of stages
    returned/      files from outside: read safely, revisions, the compilation of comments, comparison
    yearly/        a new year, activity ids, the draft round, the content changes
    archive/       the E-ARK information packages of the decided plan and its follow-ups
    workbench/     the local web app (its steps module is its one door to the pipeline)
    cli            the command line (python -m pipeline)
"""

"""The workbench: the plan, its problems and the year's steps in the browser, live as the sources are written.

`python -m pipeline serve ÅR` (make arbeta-ÅR) starts a local web app for the secretariat:

    server    starting and stopping (uvicorn on 127.0.0.1, the printed address, every process stopped)
    security  the run's key and cookie, the Host check, form tokens, which files a URL may reach
    app       the pages (Jinja templates in templates/, a small script in static/) and their events
    live      the watcher and the live state: problems, preview, PDF and DOCX of the sources as they are
    office    the one warm LibreOffice that the live PDF and every step share
    jobs      the year's steps running beside the server, one at a time, with their progress
    tasks     what each step's form asks and which pipeline function it runs
    editing   editing the sources: the pages, a save tried on a copy first, conflicts, undo (issue 30)
    forms     the editing forms, built from the model; each field named by its key path as `check` prints it
    yamledit  ruamel.yaml's round trip, with every line not edited taken from the file as it was
    steps     the one module that imports the pipeline: the same functions the command line calls
"""

"""The documents: the plan, the follow-up and the cover letter, each a description run through one pipeline.

    stages    the pipeline every document goes through: render → convert → normalise → proofread → write
    plan      the plan's description, and build (the plans of one run, LibreOffice shared)
    followup  the follow-up's description and context (uppfoljning-ÅR-TILLFÄLLE)
    letter    the draft round's cover letter (missiv), laid out again from its PDF
"""

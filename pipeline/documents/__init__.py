"""The documents: the plan, the follow-up and the cover letter, built through one pipeline.

    build     the plan: its stages from checked sources to written DOCX, PDF and web page
    followup  the follow-up of a plan (uppfoljning-ÅR-TILLFÄLLE)
"""

"""The sources: reading the YAML and Markdown files of sources/ÅR/ and sources/gemensamt/ into the model.

    reading  files read with their lines and keys (Loc, SourceFile), so every message names file, line, key
    model    the validated data (pydantic models that reject unknown keys)
    load     one year's sources read and validated into PlanSources, every problem collected
"""

"""The checks: everything the sources must satisfy, all problems collected before anything is written.

    rules  each check of the plan, the follow-ups and the round file (Problem with file, line, key)
    run    the gate: a year's sources read and checked, every problem of every file raised at once
"""

"""The year's steps around the plan: a new year, activity ids, the draft round and what changed.

    newyear     next year's sources from this year's
    identities  activity ids written into the sources
    round       the draft round: one copy per municipality, the cover letter, the recipients
    changes     the content changes between two versions of the sources
"""

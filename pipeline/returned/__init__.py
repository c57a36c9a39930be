"""Files that come back from outside: read safely, their revisions and comments compiled, versions compared.

    safezip    opening a DOCX from outside without trusting it (sizes, names, XML)
    revisions  walking a returned document: paragraphs, tracked changes, comments, in document order
    comments   the compilation of the municipalities' answers (sammanställning)
    compare    a comparison of two versions as tracked changes
"""

"""The archive: the decided plan and its follow-ups as E-ARK information packages.

    archiving  building, writing and verifying a package (archive, archive_follow_up, verify_archive)
    eark       the METS, Dublin Core and PREMIS of an E-ARK SIP, checked against the bundled schemas (data/eark/)
    delivery   sources/gemensamt/arkiv.yaml: how a package is delivered
"""

"""Infrastructure under every room: writing outputs atomically, the cache, ZIP files, the up-to-date check.

    writer    write_atomic (temporary file, then rename) and write_cache
    uptodate  the digest of everything a build depends on, and whether the outputs are current
    zips      ZIP files (DOCX packages, the archive's delivery) that give the same bytes from the same entries
"""

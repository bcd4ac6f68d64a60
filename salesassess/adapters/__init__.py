"""Source adapters: vendor exports translated into the landing contract.

Gong API JSON (:mod:`salesassess.adapters.gong`), Salesforce CSV exports
(:mod:`salesassess.adapters.salesforce`), HubSpot deals (:mod:`salesassess.adapters.hubspot`),
transcript files (:mod:`salesassess.adapters.transcripts`) and the PersuasionForGood dialogues
(:mod:`salesassess.adapters.persuasion`). A ``sources.yaml`` selects them per landing kind
(:mod:`salesassess.adapters.sources`); what they write goes through the same ingestion,
quarantine and checks as hand-written landing files. ``python -m salesassess.adapters --help``
translates exports into a canonical landing folder.
"""

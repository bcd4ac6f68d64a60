"""Source adapters: vendor exports translated into the landing contract.

Gong API JSON (:mod:`assets.adapters.gong`), Salesforce CSV exports
(:mod:`assets.adapters.salesforce`), HubSpot deals (:mod:`assets.adapters.hubspot`),
transcript files (:mod:`assets.adapters.transcripts`) and the PersuasionForGood dialogues
(:mod:`assets.adapters.persuasion`). A ``sources.yaml`` selects them per landing kind
(:mod:`assets.adapters.sources`); what they write goes through the same ingestion,
quarantine and checks as hand-written landing files. ``python -m assets.adapters --help``
translates exports into a canonical landing folder.
"""

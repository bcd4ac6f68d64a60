"""Source adapters: vendor exports translated into the landing contract.

Gong API JSON (:mod:`salesassess.landing.adapters.gong`), Salesforce CSV exports
(:mod:`salesassess.landing.adapters.salesforce`), HubSpot deals
(:mod:`salesassess.landing.adapters.hubspot`), transcript files
(:mod:`salesassess.landing.adapters.transcripts`) and the PersuasionForGood dialogues
(:mod:`salesassess.landing.adapters.persuasion`). A ``sources.yaml`` selects them per landing kind
(:mod:`salesassess.landing.adapters.sources`); what they write goes through the same ingestion,
quarantine and checks as hand-written landing files. ``python -m salesassess.landing.adapters
--help`` translates exports into a canonical landing folder.
"""

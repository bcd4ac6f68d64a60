"""The method's closed vocabularies, written once: every contract, check and adapter reads them."""

# who speaks in a transcript sentence
SPEAKER_ROLES = ("rep", "prospect", "other")
# who gave a criterion score: a reviewer, a call-analytics platform, or an automated scorer
SCORER_KINDS = ("human", "external", "auto")

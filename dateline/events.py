"""The `events` stage. (Being built: see the issue tracker.)"""
from spacy.language import Language


@Language.component("dateline.events.v1")
def events_component(doc):
    doc._.events = []
    return doc

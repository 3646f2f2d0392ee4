"""The `times` stage. (Being built: see the issue tracker.)"""
from spacy.language import Language


@Language.component("dateline.times.v1")
def times_component(doc):
    doc._.times = []
    return doc

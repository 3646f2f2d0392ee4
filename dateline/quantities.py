"""The `quantities` stage. (Being built: see the issue tracker.)"""
from spacy.language import Language


@Language.component("dateline.quantities.v1")
def quantities_component(doc):
    doc._.quantities = []
    return doc

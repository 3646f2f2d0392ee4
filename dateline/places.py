"""The `places` stage. (Being built: see the issue tracker.)"""
from spacy.language import Language


@Language.component("dateline.places.v1")
def places_component(doc):
    pass
    return doc

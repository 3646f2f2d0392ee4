"""The `actors` stage. (Being built: see the issue tracker.)"""
from spacy.language import Language


@Language.component("dateline.actors.v1")
def actors_component(doc):
    doc._.corefs = {}
    return doc

"""The `statistics` stage. (Being built: see the issue tracker.)"""
from spacy.language import Language


@Language.component("dateline.statistics.v1")
def statistics_component(doc):
    doc._.statistics = []
    return doc

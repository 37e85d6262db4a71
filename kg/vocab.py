"""The ZoneKG vocabulary as typed code, generated from ``ontology/zonekg.ttl`` by ``scripts/gen-vocab``.

Do not edit by hand: change the ontology and run ``.venv/bin/python scripts/gen-vocab``
(a test fails when this file and the ontology disagree). A misspelt term fails at once:

>>> ZKG.hasHonor
rdflib.term.URIRef('https://w3id.org/zonekg/ontology#hasHonor')
>>> ZKG.hasHonour
Traceback (most recent call last):
...
AttributeError: term 'hasHonour' not in namespace 'https://w3id.org/zonekg/ontology#'
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = ["ZKG", "ZKGR", "ZKG_IRI", "ZKGR_IRI"]

ZKG_IRI = "https://w3id.org/zonekg/ontology#"
ZKGR_IRI = "https://w3id.org/zonekg/id/"

#: Namespace of instances (entities, indicators, evidence, documents, statements).
ZKGR = Namespace(ZKGR_IRI)


class ZKG(DefinedNamespace):
    """ZoneKG ontology of development zones."""

    _NS = Namespace(ZKG_IRI)
    _fail = True

    # classes
    Entity: URIRef  # 实体 — entity
    DevelopmentZone: URIRef  # 开发区 — development zone
    Enterprise: URIRef  # 企业 — enterprise
    GovernmentBody: URIRef  # 政府机构 — government body
    Platform: URIRef  # 平台载体 — platform
    Policy: URIRef  # 政策 — policy
    Honor: URIRef  # 荣誉称号 — honor
    Project: URIRef  # 项目 — project
    Institution: URIRef  # 事业单位 — public institution
    Hospital: URIRef  # 医院 — hospital
    School: URIRef  # 学校 — school
    Place: URIRef  # 地点 — place
    Event: URIRef  # 活动 — event
    Industry: URIRef  # 产业 — industry
    Person: URIRef  # 人物 — person
    Indicator: URIRef  # 指标 — indicator
    Evidence: URIRef  # 证据 — evidence
    Document: URIRef  # 文档 — document

    # object properties
    locatedIn: URIRef  # 位于 — located in
    hasEnterprise: URIRef  # 拥有企业 — has enterprise
    introduced: URIRef  # 引进 — introduced
    implementsPolicy: URIRef  # 实施政策 — implements policy
    supports: URIRef  # 扶持 — supports
    hasHonor: URIRef  # 拥有荣誉 — has honor
    hasPlatform: URIRef  # 拥有平台 — has platform
    builds: URIRef  # 建设 — builds
    organizes: URIRef  # 举办 — organizes
    inIndustry: URIRef  # 所属产业 — in industry
    hasIndicator: URIRef  # 拥有指标 — has indicator
    evidence: URIRef  # 证据 — evidence
    mentions: URIRef  # 提及 — mentions

    # datatype properties
    measure: URIRef  # 指标名称 — measure (rdf:langString)
    value: URIRef  # 数值 — value (xsd:decimal)
    unit: URIRef  # 单位 — unit (rdf:langString)
    qualifier: URIRef  # 限定 — qualifier (xsd:string)
    period: URIRef  # 时期 — period (rdfs:Literal)
    rawText: URIRef  # 原文 — raw text (rdf:langString)
    text: URIRef  # 句子文本 — text (rdf:langString)
    start: URIRef  # 起始偏移 — start offset (xsd:integer)
    end: URIRef  # 结束偏移 — end offset (xsd:integer)
    sha256: URIRef  # 原始文件的 SHA-256 — SHA-256 of the raw file (xsd:string)
    characters: URIRef  # 字符数 — characters (xsd:integer)
    platformType: URIRef  # 平台类型 — platform type (xsd:string)

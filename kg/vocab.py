"""The ZoneKG vocabulary as typed code (see ``ontology/zonekg.ttl``).

A misspelt term fails at import time or on first use:

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

#: Namespace of instances (entities, indicators, evidence, documents).
ZKGR = Namespace(ZKGR_IRI)


class ZKG(DefinedNamespace):
    """ZoneKG ontology: classes and properties of the contract, and extensions."""

    _NS = Namespace(ZKG_IRI)
    _fail = True

    # classes
    DevelopmentZone: URIRef  # 开发区: a zone run as one unit
    Enterprise: URIRef  # 企业: a company or group
    GovernmentBody: URIRef  # 政府机构
    Platform: URIRef  # 平台载体: innovation or service carrier
    Policy: URIRef  # 政策: named policy, plan, measure, system or reform
    Honor: URIRef  # 荣誉称号
    Project: URIRef  # 项目
    Institution: URIRef  # 事业单位
    Hospital: URIRef  # 医院
    School: URIRef  # 学校
    Place: URIRef  # 地点
    Event: URIRef  # 活动
    Industry: URIRef  # 产业
    Person: URIRef  # 人物
    Indicator: URIRef  # 指标: a stated figure
    Evidence: URIRef  # 证据: the sentence a fact came from
    Document: URIRef  # 文档: an article

    # relations between entities
    locatedIn: URIRef  # 位于
    hasEnterprise: URIRef  # 拥有企业
    introduced: URIRef  # 引进
    implementsPolicy: URIRef  # 实施政策
    supports: URIRef  # 扶持
    hasHonor: URIRef  # 拥有荣誉
    hasPlatform: URIRef  # 拥有平台
    builds: URIRef  # 建设
    organizes: URIRef  # 举办
    inIndustry: URIRef  # 所属产业
    hasIndicator: URIRef  # 拥有指标

    # indicator properties
    measure: URIRef  # 指标名称
    value: URIRef  # 数值 (xsd:decimal)
    unit: URIRef  # 单位
    qualifier: URIRef  # 限定: approx, more-than, less-than
    period: URIRef  # 时期
    rawText: URIRef  # 原文

    # provenance
    evidence: URIRef  # 证据
    text: URIRef  # 句子文本
    start: URIRef  # 起始偏移
    end: URIRef  # 结束偏移
    sha256: URIRef  # 原始文件的 SHA-256

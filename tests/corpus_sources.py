"""The test corpus of tests/data/corpus/: 32 short articles about four zones and six companies, each
company named by its full name in some files, its short name in others and in traditional characters
in a third kind, spread over .txt, .md (front matter), .html, .docx and .pdf.

``python tests/corpus_sources.py`` writes the files again (the .docx with python-docx, the .pdf with
reportlab's built-in STSong-Light CID font, not embedded, as many government PDFs are); the tests read
the committed files and use :data:`COMPANIES` to know which file names which company.
"""

from __future__ import annotations

import sys
from pathlib import Path

CORPUS = Path(__file__).parent / "data" / "corpus"

#: Canonical name → the files that name it (under any of its names).
COMPANIES: dict[str, list[str]] = {}

#: file name → (title, date, text); the title and date go into front matter, sidecars, page heads or
#: document properties, depending on the kind of file.
ARTICLES: dict[str, tuple[str | None, str | None, str]] = {
    # --- plain text --------------------------------------------------------------------------------
    "t01-jian-signing.txt": (None, None, """吉安经开区集中签约5个重大项目

发布日期：2024-01-18

1月17日，吉安经济技术开发区（以下简称吉安经开区）举行重大项目集中签约仪式，5个项目现场签约，总投资86亿元。
其中，江西华晟光电科技有限公司拟投资32亿元建设新型显示模组生产基地，吉安瑞丰新能源股份有限公司拟投资18亿元建设储能电池项目。
吉安经开区将为签约企业提供全程代办服务，推动项目早开工、早投产。
"""),
    "t02-jian-2023.txt": (None, None, """吉安经开区工业经济稳中有进

2023年，吉安经开区规模以上工业企业212家，实现营业收入680亿元。
该区电子信息产业集群加快壮大，华晟光电、瑞丰新能源等企业持续扩大产能。
下一步，吉安经开区将围绕电子信息和新能源两大主导产业精准招商。
"""),
    "t03-yichun-introduce.txt": (None, None, """宜春高新区引进两家龙头企业

发布日期：2024-03-05

宜春高新技术产业开发区（以下简称宜春高新区）近日引进宜春云锦锂电材料有限公司、江西绿洲生物医药有限公司等企业。
宜春云锦锂电材料有限公司将建设年产5万吨锂电正极材料项目，项目总投资25亿元。
宜春高新区将持续优化营商环境，为企业提供要素保障。
"""),
    "t04-jiujiang-first.txt": (None, None, """九江综保区跨境电商首单出口

九江综合保税区（以下简称九江综保区）首单跨境电商出口业务日前顺利通关。
该业务由九江长帆跨境物流有限公司承运，货值120万元。
九江综保区将进一步完善跨境电商监管中心功能。
"""),
    "t05-yingtan-production.txt": (None, None, """鹰潭工业园区精密制造项目投产

发布日期：2024-04-22

鹰潭铜源精密制造有限公司年产2万吨铜基精密零部件项目在鹰潭工业园区正式投产。
项目总投资15亿元，达产后预计年产值30亿元。
鹰潭工业园区引进鹰潭铜源精密制造有限公司等企业，铜基新材料产业链不断延伸。
"""),
    "t06-little-giants.txt": (None, None, """我省新增一批专精特新“小巨人”企业

发布日期：2024-07-10

近日，工业和信息化部公布第六批专精特新“小巨人”企业名单。
华晟光电、云锦锂电、铜源精密等企业入选国家级专精特新“小巨人”企业名单。
入选企业将享受相关奖补政策。
"""),
    "t07-jian-traditional.txt": (None, None, """吉安經開區電子信息產業加速集聚

吉安經濟技術開發區持續推進電子信息產業鏈建設。
吉安經開區支持華晟光電、瑞豐新能源等企業擴大產能，新建生產線12條。
該區電子信息產業營業收入同比增長15%。
"""),
    "t08-yichun-2023.txt": (None, None, """宜春高新区锂电新能源产业发展势头强劲

2023年，宜春高新区规模以上工业企业156家，实现营业收入520亿元。
宜春高新区支持云锦锂电、绿洲生物等企业开展技术改造。
园区新增国家高新技术企业23家。
"""),
    "t09-jiujiang-trade.txt": (None, None, """九江综保区外贸进出口保持增长

2023年，九江综保区实现进出口总额85亿元。
九江综保区支持长帆物流、华晟光电等企业开展保税物流业务。
综保区新增注册企业40家。
"""),
    "t10-yingtan-series.txt": (None, None, """鹰潭工业园区铜产业链持续壮大

2022年，鹰潭工业园区规模以上工业企业98家。
2023年，鹰潭工业园区规模以上工业企业106家。
鹰潭工业园区引进铜源精密、瑞丰新能源等企业，形成铜基新材料和新能源配套产业链。
"""),
    "t11-green-factories.txt": (None, None, """省级绿色工厂名单公布

发布日期：2024-09-12

省工业和信息化厅公布2024年度省级绿色制造名单。
江西绿洲生物医药有限公司、鹰潭铜源精密制造有限公司等企业获评省级绿色工厂。
宜春高新区、鹰潭工业园区各有2家企业入选。
"""),
    "t12-jiujiang-gbk.txt": (None, None, """九江综保区保税维修业务落地

九江综保区首个保税维修项目近日落地。
九江综保区引进長帆物流、雲錦鋰電等企业，开展保税仓储和保税维修业务。
项目年维修能力达到1万台。
"""),
    # --- Markdown with front matter ----------------------------------------------------------------
    "m01-jian-conflict.md": ("吉安经开区2023年经济运行情况", "2024-02-20", """# 吉安经开区2023年经济运行情况

2023年，吉安经开区规模以上工业企业215家。
吉安经开区引进华晟光电、瑞丰新能源等企业，电子信息产业营业收入突破400亿元。
"""),
    "m02-yichun-signing.md": ("宜春高新区与生物医药企业签约", "2024-05-08", """\
宜春高新区与江西绿洲生物医药有限公司签约，项目总投资8亿元，建设创新药物生产基地。

江西绿洲生物医药有限公司将在宜春高新区设立研发中心。
"""),
    "m03-jiujiang-logistics.md": ("九江综保区物流企业集聚", "2024-06-01", """\
九江综保区引进长帆物流、云锦锂电等企业，保税物流业务量同比增长30%。

九江综保区将建设跨境电商公共服务平台。
"""),
    "m04-yingtan-copper.md": ("鹰潭工业园区铜基新材料", "2024-06-15", """鹰潭工业园区支持铜源精密、瑞丰新能源等企业建设数字化车间。

2023年，鹰潭工业园区铜基新材料产业营业收入210亿元。
"""),
    "m05-yichun-traditional.md": ("宜春高新區鋰電產業", "2024-06-20", """宜春高新區支持雲錦鋰電、綠洲生物等企業加大研發投入。

宜春高新區鋰電產業營業收入同比增長20%。
"""),
    "m06-jian-honor.md": ("吉安经开区企业获评绿色工厂", "2024-08-02", """江西华晟光电科技有限公司获评国家级绿色工厂。

吉安经开区引进江西华晟光电科技有限公司以来，电子信息产业集聚效应明显。
"""),
    "m07-jiujiang-policy.md": ("九江综保区出台扶持政策", "2024-08-18", """九江综保区出台《九江综合保税区促进跨境电商发展若干措施》。

九江综保区支持九江长帆跨境物流有限公司等企业拓展海外仓业务。
"""),
    "m08-yichun-pharma.md": ("宜春高新區生物醫藥", "2024-09-01", """宜春高新區引進綠洲生物、雲錦鋰電等企業，生物醫藥產業加快發展。

宜春高新區生物醫藥產業營業收入同比增長18%。
"""),
    # --- web pages ---------------------------------------------------------------------------------
    "h01-jian-battery.html": ("吉安经开区储能电池项目开工", "2024-03-28", """\
3月27日，吉安瑞丰新能源股份有限公司储能电池项目在吉安经开区开工。
项目总投资18亿元，建成后年产储能电池10GWh。
吉安经开区将全力做好项目服务保障。"""),
    "h02-yichun-lithium.html": ("宜春高新区锂电产业链", "2024-04-10", """宜春高新区引进云锦锂电、绿洲生物等企业，锂电新能源产业链加快完善。
2023年，宜春高新区锂电新能源产业营业收入300亿元。"""),
    "h03-jiujiang-traditional.html": ("九江綜保區跨境物流", "2024-05-12", """\
九江綜保區引進九江長帆跨境物流有限公司等企業，跨境物流業務快速增長。
九江綜保區跨境電商業務量同比增長45%。"""),
    "h04-yingtan-traditional.html": ("鷹潭工業園區精密製造", "2024-05-30", """鷹潭工業園區支持銅源精密、瑞豐新能源等企業開展技術改造。
鷹潭工業園區精密製造產業營業收入同比增長12%。"""),
    "h05-yichun-bio.html": ("宜春高新区生物医药产业", "2024-07-22", """宜春高新区支持绿洲生物、云锦锂电等企业建设创新药物研发平台。
宜春高新区生物医药产业集群初具规模。"""),
    # --- Word documents ----------------------------------------------------------------------------
    "d01-jian-display.docx": ("吉安经开区新型显示产业", "2024-02-02", """吉安经开区新型显示产业加快发展

江西华晟光电科技有限公司新型显示模组项目在吉安经开区开工建设。
吉安经开区引进江西华晟光电科技有限公司等企业，新型显示产业链不断完善。"""),
    "d02-yichun-biomed.docx": ("宜春高新区生物医药项目", "2024-04-18", """宜春高新区生物医药项目签约

宜春高新区与江西绿洲生物医药有限公司签订合作协议，共建生物医药中试基地。
宜春高新区将为企业提供全周期服务。"""),
    "d03-jiujiang-warehouse.docx": ("九江综保区保税仓储", "2024-06-25", """九江综保区保税仓储业务提质增效

九江综保区支持长帆物流、云锦锂电等企业开展保税仓储业务。
九江综保区保税仓储面积达到10万平方米。"""),
    "d04-yingtan-digital.docx": ("鹰潭工业园区数字化转型", "2024-07-15", """鹰潭工业园区推进数字化转型

鹰潭工业园区支持铜源精密、华晟光电等企业建设智能工厂。
园区新增省级数字化车间8个。"""),
    # --- PDF (text layer) --------------------------------------------------------------------------
    "p01-jian-energy.pdf": ("吉安經開區新能源產業", "2024-05-20", """吉安經開區新能源產業發展報告

發布日期：2024年5月20日

吉安經開區引進瑞豐新能源、華晟光電等企業，新能源產業規模持續擴大。
吉安經開區新能源產業營業收入同比增長25%。"""),
    "p02-yichun-lithium.pdf": ("宜春高新区锂电材料", "2024-08-08", """宜春高新区锂电材料产业发展情况

发布日期：2024年8月8日

宜春云锦锂电材料有限公司年产5万吨锂电正极材料项目建成投产。
宜春高新区引进宜春云锦锂电材料有限公司等企业，锂电材料产业规模居全省前列。"""),
    "p03-yingtan-copper.pdf": ("鹰潭工业园区铜产业", "2024-09-20", """鹰潭工业园区铜产业发展情况

鹰潭铜源精密制造有限公司获评省级专精特新中小企业。
鹰潭工业园区引进鹰潭铜源精密制造有限公司、江西华晟光电科技有限公司等企业。"""),
}

#: The names each company goes by in the corpus: full, short, traditional short (and traditional full).
NAMES: dict[str, tuple[str, ...]] = {
    "江西华晟光电科技有限公司": ("江西华晟光电科技有限公司", "华晟光电", "華晟光電"),
    "吉安瑞丰新能源股份有限公司": ("吉安瑞丰新能源股份有限公司", "瑞丰新能源", "瑞豐新能源"),
    "宜春云锦锂电材料有限公司": ("宜春云锦锂电材料有限公司", "云锦锂电", "雲錦鋰電"),
    "九江长帆跨境物流有限公司": ("九江长帆跨境物流有限公司", "长帆物流", "長帆物流", "九江長帆跨境物流有限公司"),
    "鹰潭铜源精密制造有限公司": ("鹰潭铜源精密制造有限公司", "铜源精密", "銅源精密"),
    "江西绿洲生物医药有限公司": ("江西绿洲生物医药有限公司", "绿洲生物", "綠洲生物"),
}

for _company, _names in NAMES.items():
    COMPANIES[_company] = sorted(f for f, (_, _, text) in ARTICLES.items() if any(n in text for n in _names))


def _html(title: str, date: str, text: str) -> str:
    paragraphs = "\n".join(f"      <p>{line}</p>" for line in text.splitlines() if line.strip())
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8">
    <title>{title}</title>
    <meta name="date" content="{date}">
  </head>
  <body>
    <div class="nav"><a href="/">首页</a> | <a href="/news">园区动态</a> | <a href="/about">关于我们</a></div>
    <article>
      <h1>{title}</h1>
      <div class="info">发布时间：{date}</div>
{paragraphs}
    </article>
    <div class="footer">版权所有 © 2024 园区管理委员会 | 联系电话：0796-0000000</div>
  </body>
</html>
"""


def _docx(path: Path, title: str, text: str) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "园区管委会"
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    document.save(path)


def _pdf(path: Path, title: str, text: str) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path), invariant=1)
    page.setTitle(title)
    page.setFont("STSong-Light", 11)
    y = 800
    for line in text.splitlines():
        while line:  # 40 characters a line: long paragraphs wrap as in a printed bulletin
            page.drawString(50, y, line[:40])
            line, y = line[40:], y - 16
        y -= 8
    page.showPage()
    page.save()


def write_corpus(folder: Path = CORPUS, *, binary: bool = True) -> None:
    """Write every article of :data:`ARTICLES` into ``folder`` (the .docx and .pdf too with ``binary``)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    for name, (title, date, text) in ARTICLES.items():
        path = folder / name
        if name.endswith(".txt"):
            encoding = "gb18030" if "gbk" in name else "utf-8"
            path.write_bytes(text.encode(encoding))
        elif name.endswith(".md"):
            path.write_text(f"---\ntitle: \"{title}\"\ndate: {date}\nurl: https://example.org/news/{path.stem}\n"
                            f"tags: [园区, 招商]\n---\n\n{text}", encoding="utf-8")
        elif name.endswith(".html"):
            path.write_text(_html(title or "", date or "", text), encoding="utf-8")
        elif binary and name.endswith(".docx"):
            _docx(path, title or "", text)
            (folder / f"{path.stem}.meta.json").write_text(json.dumps({"date": date}) + "\n", encoding="utf-8")
        elif binary and name.endswith(".pdf"):
            _pdf(path, title or "", text)


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)

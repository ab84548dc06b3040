"""Reports at the size of a real monorepo: every output stays readable whatever the result's size.

A synthetic result of real-shaped references (Hub ids in from_pretrained calls, DeepSeek API calls,
AWS regions and NVIDIA resources in Kubernetes manifests: ``report_support.synthetic_scan``) with
1,500 models and thousands of findings stands for a large tree. No timing is asserted: only that
what is shown is bounded and says how much more there is, and where.
"""

from __future__ import annotations

import re

import pytest

from sovaudit.report import html
from sovaudit.report.console import TOP, print_exposure, print_summary

from report_support import synthetic_result

MODELS = 1500


@pytest.fixture(scope="module")
def big(kb, tmp_path_factory):
    return synthetic_result(kb, MODELS, tmp_path_factory.mktemp("big"))


def summary(capsys, monkeypatch, result, columns: int, verbose: bool = False) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    print_summary(result, verbose=verbose)
    print_exposure(result, fail_on="high", verbose=verbose)
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("columns", [80, 120])
def test_the_terminal_summary_fits_a_screen_at_any_width(big, capsys, monkeypatch, columns):
    lines = summary(capsys, monkeypatch, big, columns)
    assert len(big.assessment.models) > MODELS and len(big.findings) > 1000
    assert len(lines) < 70, "\n".join(lines)
    assert max(len(x) for x in lines) <= columns  # one line per row: nothing folds into a second line
    text = "\n".join(lines)
    assert f"Model control (the {TOP} most referenced of {len(big.assessment.models)})" in text
    assert f"… {len(big.assessment.models) - TOP} more models (sovaudit scan --verbose" in text
    assert "SYN-MODEL-ORIGIN" in text and "every finding: sovaudit scan --verbose" in text
    for heading in ("Found", "Models", "Inference endpoints", "Clouds and regions", "Hardware", "Packages",
                    "Model provenance", "Exposure by layer"):
        assert heading in text


def test_verbose_prints_every_model_and_finding(big, capsys, monkeypatch):
    lines = summary(capsys, monkeypatch, big, 200, verbose=True)
    text = "\n".join(lines)
    assert len(lines) > len(big.assessment.models) + len(big.findings)
    assert all(f"model-{i}-instruct" in text for i in (0, MODELS // 2, MODELS - 1))


def test_the_html_shows_top_rows_and_counts_the_rest(big):
    page = html.render(big)
    data = html.page_data(big)
    n_models = len(big.assessment.models)
    assert len(data["models_top"]) == html.TOP
    assert f"Show all {n_models} models" in page and f"({n_models - html.TOP} more, by name" in page
    assert page.count('<details class="more"') >= 4  # models, model evidence, exposures, findings ...
    # findings: the first ones in place, up to the cap behind "Show all", the rest counted
    assert f"Show {html.FINDINGS_CAP - html.FINDINGS_TOP} more findings" in page
    assert f"({html.FINDINGS_CAP} of {len(big.findings)} are in this page)" in page
    assert f"And {len(big.findings) - html.FINDINGS_CAP} more findings (of {len(big.findings)})" in page
    # findings are counted per rule before the list
    assert 'id="finding-rules"' in page and "<code>SYN-MODEL-ORIGIN</code>" in page
    # the graph draws labs, each linking to its list of models
    assert "models are drawn as their" in page and re.search(r'<a href="#g-[0-9a-f]{12}"><g class="node">', page)
    # rows in the page are bounded whatever the number of models
    assert page.count('data-filter-row="models"') <= html.TOP + html.MODELS_CAP


def test_print_keeps_the_matrix_whole_and_the_show_all_lists_closed(big):
    page = html.render(big)
    css = page[page.index("<style>"):page.index("</style>")]
    printed = css[css.rindex("@media print {", 0, css.index(".matrix-wrap { overflow: visible; }")):]
    for rule in (".matrix { table-layout: fixed; width: 100%;", ".matrix th .small { display: none; }",
                 "details.more:not([open])"):
        assert rule in printed
    script = page[page.rindex("<script>"):]
    assert 'querySelectorAll("details.finding:not([open])")' in script  # print opens findings, not "Show all"
    assert 'querySelectorAll("details:not([open])")' not in script

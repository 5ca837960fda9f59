"""The monthly evaluation as an .xlsx workbook for the evaluation meeting: one sheet per
community, one row per grid worker, and the community average."""

import io
from collections.abc import Callable, Sequence

from services.evaluation import Evaluation, WorkerFigures

Label = Callable[..., str]
COLUMNS = ("grid", "worker", "handled", "response_rate", "response_due", "resolution_rate",
           "resolution_due", "average_rating", "rated", "followups")
WIDTHS = (16, 10, 9, 11, 9, 11, 9, 10, 9, 9)
PERCENT = (3, 5)  # response and resolution rates (0-based columns)


def _row(grid: str, name: str, figures: WorkerFigures) -> list[object]:
    r = figures.rates
    return [grid, name, figures.handled, r.response_rate, r.response_due, r.resolution_in_time_rate,
            r.resolution_due, r.average_rating, r.rated, figures.followups]


def _average_row(evaluation: Evaluation, label: Label) -> list[object]:
    r = evaluation.rates
    return [label("eval.col_community"), label("eval.per_worker"),
            evaluation.handled_per_worker, r.response_rate, r.response_due,
            r.resolution_in_time_rate, r.resolution_due, r.average_rating, r.rated,
            evaluation.followups_per_worker]


def workbook_bytes(evaluations: Sequence[Evaluation], label: Label) -> bytes:
    """Write one sheet per community: the title, the header, each worker, the average."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for evaluation in evaluations:
        sheet = book.create_sheet(evaluation.community.name[:31])
        sheet.append([label("eval.book_title", community=evaluation.community.name,
                            month=evaluation.month.strftime("%Y-%m"))])
        sheet.append([label(f"eval.col.{name}") for name in COLUMNS])
        for figures in evaluation.workers:
            sheet.append(_row(figures.grid, figures.person.name, figures))
        sheet.append(_average_row(evaluation, label))
        sheet["A1"].font = Font(bold=True, size=13)
        for cell in (*sheet[2], *sheet[sheet.max_row]):
            cell.font = Font(bold=True)
        for cells in sheet.iter_rows(min_row=3):
            for index in PERCENT:
                cells[index].number_format = "0.0%"
            cells[7].number_format = "0.0"
            cells[2].number_format = cells[9].number_format = "0.#"
        for index, width in enumerate(WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A3"
        sheet.print_title_rows = "2:2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(evaluations: Sequence[Evaluation]) -> str:
    """evaluation-yulan-2026-10.xlsx, or evaluation-2026-10.xlsx for several communities."""
    month = evaluations[0].month.strftime("%Y-%m")
    if len(evaluations) == 1:
        return f"evaluation-{evaluations[0].community.code}-{month}.xlsx"
    return f"evaluation-{month}.xlsx"

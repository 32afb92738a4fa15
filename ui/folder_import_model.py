"""What the camera-folder import reviews, without its widgets: the plan, the rows, the state.

``CardReview`` holds what was read from the store for one inspection (its answers, findings and
the targets a photo can go to), the scanned proposals, the rows changed by hand and the
photos left out; it matches again with a new window or clock offset, describes each row as
the table shows it, and counts what "导入" would do. ``ui.folder_import_dialog`` shows it.
Nothing here touches Qt widgets; texts go through ``ui.i18n.tr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from inspector.core.store import Store
from inspector.domain import camera_card, findings, inspections, photos, templates
from inspector.domain.camera_card import FolderScan, Moment, Proposal
from inspector.domain.photos import BatchResult, Target
from inspector.domain.scoring import answer_word
from ui.i18n import language, tr


def gap_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return tr("{s} 秒", "{s} s", s=whole)
    return tr("{m} 分 {s} 秒", "{m} min {s} s", m=whole // 60, s=whole % 60)


def time_text(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


class ReviewError(Exception):
    """A reviewer's request that cannot be done; the message says why."""


@dataclass(frozen=True)
class RowText:
    """One proposal as the table shows it."""

    time: str
    time_tip: str
    target: str
    target_tip: str | None  # None: leave the tooltip as it is
    gap: str
    excluded: bool


class CardReview:
    """One inspection's camera-folder review: read from the store once, on the GUI thread."""

    def __init__(self, store: Store, inspection_id: str) -> None:
        self.store = store
        self.inspection_id = inspection_id
        self.inspection: Any = inspections.get(store, inspection_id)
        self.template = templates.get(store, self.inspection["template_id"])
        # Read here, on the GUI thread; the scan job gets copies and never the store.
        self.general = photos.target_for_inspection(store, inspection_id)
        self.recorded: list[Moment] = camera_card.moments(store, inspection_id)
        self.visit = camera_card.visit_days(store, inspection_id)
        self.answers = {code: row["answer"] for code, row in
                        inspections.answers_of(store, inspection_id).items()}
        finding_rows = sorted(findings.list_findings(store, inspection_id=inspection_id),
                              key=lambda r: str(r["short_id"]))
        self.finding_rows = {str(r["id"]): r for r in finding_rows}
        self.choices: list[Target] = [self.general]
        self.choices += [photos.target_for_finding(store, str(r["id"])) for r in finding_rows]
        self.choices += [photos.target_for_response(store, inspection_id, item.code)
                         for item in self.template.items]
        self.folder: Path | None = None
        self.actions: list[camera_card.Action] = []
        self.base: list[Proposal] = []  # as scanned (camera times)
        self.proposals: list[Proposal] = []  # as shown: matched again, changed by hand
        self.overrides: dict[int, Target] = {}
        self.skipped: list[tuple[Path, str]] = []

    # -- describing targets ------------------------------------------------------------------

    def describe(self, target: Target) -> str:
        if target.kind == "inspection":
            return tr("一般照片（检查 {sid}）", "General photos (inspection {sid})",
                      sid=self.inspection["short_id"])
        if target.kind == "finding":
            row = self.finding_rows.get(target.id)
            if row is None:
                return target.label
            prefix = f"{self.inspection['short_id']}-"
            short = str(row["short_id"])
            short = short[len(prefix):] if short.startswith(prefix) else short
            try:
                category = self.template.category(row["category"]).label()
            except Exception:  # noqa: BLE001 - an unknown category is shown by its code
                category = str(row["category"])
            description = " ".join(str(row["description"] or "").split())
            if len(description) > 24:
                description = description[:23] + "…"
            return tr("问题 {s} {c}：{d}", "Finding {s} {c}: {d}", s=short, c=category,
                      d=description)
        code = target.id.split(":", 1)[1]
        item = self.template.item(code)
        text = item.label()
        if len(text) > 28:
            text = text[:27] + "…"
        answer = self.answers.get(code)
        mark = answer_word(answer) if answer else tr("未作答", "unanswered")
        return f"{item.code} {text}（{mark}）" if language.current() == "zh" \
            else f"{item.code} {text} ({mark})"

    # -- the plan ----------------------------------------------------------------------------

    def start(self, folder: Path) -> None:
        """A new folder: everything proposed or changed before is gone."""
        self.folder = folder
        self.base, self.proposals, self.overrides, self.skipped = [], [], {}, []

    def load(self, scan: FolderScan) -> None:
        self.base = list(scan.proposals)
        self.skipped = list(scan.skipped)

    def rematch(self, window_minutes: float, offset_minutes: float, any_day: bool) -> bool:
        """Match again with this window and offset, keeping the rows changed by hand; False
        if nothing was scanned yet."""
        if not self.base:
            return False
        matched = camera_card.rematch(self.base, self.general, self.recorded,
                                      window_minutes=window_minutes,
                                      offset_minutes=offset_minutes,
                                      visit=self.visit, any_day=any_day)
        self.proposals = [camera_card.reassign(p, self.overrides[i]) if i in self.overrides
                          else p for i, p in enumerate(matched)]
        return True

    def plan_actions(self) -> list[camera_card.Action]:
        """What importing each row would do (link, move, already there), from the store."""
        self.actions = camera_card.actions(self.store, self.inspection_id, self.proposals)
        return self.actions

    def target_of(self, row: int) -> Target:
        return self.proposals[row].target

    def set_target(self, rows: list[int], target: Target) -> None:
        """The reviewer's choice: these rows go to ``target`` whatever the times say."""
        for row in rows:
            if 0 <= row < len(self.proposals):
                self.overrides[row] = target
                self.proposals[row] = camera_card.reassign(self.proposals[row], target)

    def offset_from(self, row: int) -> float:
        """The camera's clock offset that the photo of ``row`` and its target give (the row
        is kept as it is from now on); ``ReviewError`` says why it cannot be derived."""
        proposal = self.proposals[row]
        if proposal.taken_at is None:
            raise ReviewError(tr("这张照片没有拍摄时间，不能用来校准。",
                                 "This photo has no time, so it cannot set the clock."))
        moment = camera_card.moment_of(self.recorded, proposal.target)
        if moment is None:
            raise ReviewError(tr(
                "“{t}”没有记录时间（一般照片或未作答的检查项），不能用来校准；"
                "请先把这张照片改归到它拍的检查项或问题。",
                "“{t}” has no recorded time (general photos or an unanswered item); first "
                "change this photo's target to the answer or finding it shows.",
                t=self.describe(proposal.target)))
        offset = camera_card.offset_from_match(proposal.taken_at, moment.at)
        self.overrides[row] = proposal.target
        return offset

    def wanted(self) -> list[Proposal]:
        """The rows "导入" stores."""
        return [p for p in self.proposals if not p.excluded]

    # -- the rows as shown -------------------------------------------------------------------

    def row_text(self, row: int, offset_minutes: float) -> RowText:
        proposal, action = self.proposals[row], self.actions[row]
        time = time_text(proposal.taken_at)
        if proposal.time_source == "file":
            time += tr("（文件时间）", " (file time)")
        elif proposal.zoned:
            time += tr("（带时区，不校正）", " (with UTC offset, not corrected)")
        time_tip = tr("校正后：{t}", "Corrected: {t}",
                      t=time_text(proposal.corrected(offset_minutes))) \
            if proposal.taken_at else tr("没有拍摄时间", "No time taken")
        excluded = bool(proposal.excluded)
        if proposal.excluded == camera_card.OTHER_DAY:
            return RowText(time, time_tip,
                           tr("其他日期，不导入（{d} 以外）  ▾", "Another day, left out "
                              "(not {d})  ▾", d=self.visit.label()),
                           tr("双击指定归属即可导入", "Double-click to give it a "
                              "target and import it"), "—", excluded)
        if proposal.excluded == camera_card.DUPLICATE:
            return RowText(time, time_tip,
                           tr("与 {f} 相同，不导入", "Same as {f}, left out",
                              f=proposal.duplicate_of.name if proposal.duplicate_of else "?"),
                           None, "—", excluded)
        target_tip = tr("双击更改归属", "Double-click to change")
        if action.kind == camera_card.MOVE:
            target_tip = tr("上次导入在 {f}，将移到这里", "Imported to {f} before; "
                            "it moves here", f="、".join(m.label for m in action.moved_from))
        elif action.kind == camera_card.UNCHANGED:
            target_tip = tr("已关联到这里", "Already linked here")
        gap = tr("手动", "manual") if row in self.overrides else gap_text(proposal.gap_seconds)
        return RowText(time, time_tip, self.describe(proposal.target) + "  ▾", target_tip, gap,
                       excluded)

    def summary(self, scanning: bool) -> str:
        """The line under the table: what "导入" would do."""
        if scanning:
            return tr("正在读取文件夹…", "Reading the folder…")
        if self.folder is None:
            return tr("请选择相机或手机照片所在的文件夹。",
                      "Choose the folder the camera or phone photos are in.")
        counts = {"response": 0, "finding": 0, "inspection": 0}
        for proposal in self.wanted():
            counts[proposal.target.kind] = counts.get(proposal.target.kind, 0) + 1
        left_out = {kind: sum(1 for p in self.proposals if p.excluded == kind)
                    for kind in (camera_card.OTHER_DAY, camera_card.DUPLICATE)}
        moves = sum(1 for a in self.actions if a.kind == camera_card.MOVE)
        by_file = len(camera_card.by_file_time(self.wanted()))
        text = tr(
            "共 {n} 张照片：{a} 张归入检查项，{f} 张归入问题，{g} 张为一般照片；"
            "其他日期 {d} 张、重复 {p} 张不导入。",
            "{n} photos: {a} for checklist answers, {f} for findings, {g} general; "
            "{d} of other days and {p} duplicates left out.",
            n=len(self.proposals), a=counts["response"], f=counts["finding"],
            g=counts["inspection"], d=left_out[camera_card.OTHER_DAY],
            p=left_out[camera_card.DUPLICATE])
        if moves:
            text += tr("其中 {m} 张上次导入到别处，将移过来。",
                       " {m} were imported elsewhere before and move.", m=moves)
        if by_file:
            text += tr("{m} 张没有 EXIF 拍摄时间，按文件时间匹配。",
                       " {m} have no EXIF time and are matched by file time.", m=by_file)
        return text

    def skipped_lines(self) -> list[str]:
        return [tr("{name}：{reason}", "{name}: {reason}", name=path.name, reason=reason)
                for path, reason in self.skipped]

    def card_result(self, result: BatchResult) -> camera_card.CardResult:
        """The import counted as the command line counts it (they add up to the photos)."""
        card = camera_card.CardResult(total=len(self.proposals), failed=list(result.failed))
        card.other_day = [p.source for p in self.proposals
                          if p.excluded == camera_card.OTHER_DAY]
        card.duplicates = [p.source for p in self.proposals
                           if p.excluded == camera_card.DUPLICATE]
        for imported in result.imported:
            camera_card.record(card, imported, imported.source)
        return card

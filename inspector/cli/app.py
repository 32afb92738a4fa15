"""The ``inspector`` command line: the same domain functions the GUI calls.

Exit status: 0 on success, 2 with a message on bad input or a refused operation.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from inspector.cli.output import out, out_json, out_rows
from inspector.core.clock import WallClock
from inspector.core.datadir import resolve_data_dir
from inspector.core.errors import ImportFileError, InspectorError
from inspector.core.i18n import set_language, t
from inspector.core.store import Store
from inspector.domain import (
    audit,
    communities,
    community_import,
    findings,
    inspections,
    scoring,
    templates,
)
from inspector.ops import demo

log = logging.getLogger("inspector")

EXIT_OK, EXIT_REFUSED = 0, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is our exit status 2 with a one-line message."""

    def error(self, message: str) -> Any:
        sys.stderr.write(f"{self.prog}: {message}\n")
        raise SystemExit(EXIT_REFUSED)


def _open(args: argparse.Namespace, *, readonly: bool = False) -> Store:
    return Store.open(resolve_data_dir(args.data_dir), readonly=readonly, actor=args.user,
                      wall=args.wall)


# -- commands ---------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    with _open(args) as store:
        templates.ensure_builtin(store)
        out(t("数据目录：{d}", "Data directory: {d}", d=store.data_dir))
        out(t("设备编号：{d}", "Device id: {d}", d=store.device_id))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    if args.scale == "city":
        from inspector.ops import city

        with _open(args) as store:
            made = city.fill(store)
        out(t("已装入城市规模的演示数据：社区 {c} 个，检查 {i} 次，问题 {f} 个，照片 {p} 张",
              "City-scale demo data loaded: {c} communities, {i} inspections, {f} findings, "
              "{p} photos", c=made["communities"], i=made["inspections"], f=made["findings"],
              p=made["photos"]))
        return EXIT_OK
    with _open(args) as store:
        count = demo.fill(store)
        total = store.query_one("SELECT COUNT(*) AS n FROM communities")
        out(t("已装入演示数据：{c} 个社区，{i} 次检查（数据目录 {d}）",
              "Demo data loaded: {c} communities, {i} inspections (data directory {d})",
              c=total["n"] if total else 0, i=count, d=store.data_dir))
    return EXIT_OK


def cmd_communities_import(args: argparse.Namespace) -> int:
    with _open(args) as store:
        result = community_import.import_file(store, Path(args.file))
    out(t("导入完成：新增 {a}，更新 {u}，未变 {n}", "Imported: {a} added, {u} updated, "
          "{n} unchanged", a=result.added, u=result.updated, n=result.unchanged))
    return EXIT_OK


def cmd_communities_list(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as store:
        rows = communities.list_all(store, district=args.district)
    if args.json:
        for row in rows:
            row["tags"] = json.loads(row["tags"]) if row["tags"] else []
        out_json(rows)
        return EXIT_OK
    for row in rows:
        out("\t".join([row["id"][:8], row["district"], row["street"], row["name"],
                       str(row["households"] or ""), row["property_management"] or ""]))
    return EXIT_OK


def cmd_templates_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        templates.ensure_builtin(store)
        rows = templates.list_installed(store)
    if args.json:
        out_json(rows)
    else:
        for row in rows:
            clash = t("  ⚠ 另有同名而内容不同的检查表", "  ⚠ another checklist has this name "
                      "with other content") if row["clash"] else ""
            out(f"{row['name']}\t{row['title']}\t{row['sha256'][:12]}{clash}")
    return EXIT_OK


def cmd_templates_validate(args: argparse.Namespace) -> int:
    template = templates.load_file(Path(args.file))
    out(t("{f} 有效：{uid}，{s} 部分，{n} 项", "{f} is valid: {uid}, {s} sections, {n} items",
          f=args.file, uid=template.uid, s=len(template.sections), n=len(template.items)))
    return EXIT_OK


def cmd_templates_install(args: argparse.Namespace) -> int:
    template = templates.load_file(Path(args.file))
    with _open(args) as store:
        fresh = templates.install(store, template)
    out(t("已安装 {uid}", "Installed {uid}", uid=template.uid) if fresh
        else t("{uid} 已安装，内容相同", "{uid} is already installed, unchanged", uid=template.uid))
    return EXIT_OK


def cmd_inspections_new(args: argparse.Namespace) -> int:
    with _open(args) as store:
        inspection_id = inspections.start(store, args.community, args.inspector,
                                          template_uid=args.template,
                                          departments=args.department)
    out(inspection_id)
    return EXIT_OK


def cmd_inspections_answer(args: argparse.Namespace) -> int:
    with _open(args) as store:
        row = inspections.resolve(store, args.id)
        item = templates.get(store, row["template_id"]).item(args.item)
        given = inspections.parse_answer(item, args.answer)
        inspections.answer(store, row["id"], item.code, given, note=args.note)
    return EXIT_OK


def _view_json(view: inspections.InspectionView) -> dict[str, Any]:
    score = view.score
    return {
        "id": view.id,
        "short_id": view.row["short_id"],
        "status": view.status,
        "community": {k: view.community[k] for k in ("id", "district", "street", "name")},
        "template": view.template.uid,
        "started_at": view.row["started_at"],
        "finished_at": view.row["finished_at"],
        "inspectors": inspections.inspectors_of(view.row),
        "departments": inspections.departments_of(view.row),
        "signed_by": inspections.signers_of(view.row),
        "reopen_reason": view.row["reopen_reason"],
        "score": None if score.percent is None else round(score.percent, 2),
        "meets_standard": score.met,
        "counts": {"pass": score.passed, "fail": score.failed, "na": score.not_applicable,
                   "recorded": score.recorded, "unanswered": len(score.unanswered)},
        "missing": list(score.unanswered),
        "key_failed": list(score.key_failed),
        "pass_rule": view.template.rule_text(prefix=False),
        "items": [
            {"code": s.item.code, "section": s.item.section, "text": s.item.text,
             "key": s.item.key, "answer": s.answer, "value": s.value, "note": s.note,
             "detail": s.detail}
            for s in view.items
        ],
    }


def cmd_inspections_show(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as store:
        view = inspections.view(store, inspections.resolve(store, args.id)["id"])
    data = _view_json(view)
    if args.json:
        out_json(data)
        return EXIT_OK
    out(f"{data['short_id']}  {view.community['district']} {view.community['street']} "
        f"{view.community['name']}  [{data['status']}]")
    out(t("检查表：{tpl}  检查人员：{who}", "Checklist: {tpl}  Inspectors: {who}",
          tpl=data["template"], who="、".join(data["inspectors"])))
    for state in view.items:
        shown = inspections.value_text(state)
        value = f" = {shown}" if shown else ""
        mark = "★" if state.item.key else " "
        note = f"  ({state.note})" if state.note else ""
        word = scoring.answer_word(state.answer)
        if state.item.encouraged and state.answer is not None:
            word = t("有（加分）", "yes (bonus)") if state.answer == "pass" else t("无", "none")
        out(f"{mark}{state.item.code}  {word}{value}  "
            f"{state.item.label()}{note}")
    score = "—" if data["score"] is None else f"{data['score']:.1f}%"
    out(t("得分 {s}，{m}；未填 {n} 项", "Score {s}, {m}; {n} unanswered", s=score,
          m=scoring.verdict_text(bool(data["meets_standard"])), n=len(data["missing"])))
    return EXIT_OK


def cmd_inspections_list(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as store:
        if args.community:
            community = communities.resolve(store, args.community)
            rows = inspections.list_for_community(store, community["id"])
        else:
            rows = store.query("SELECT * FROM inspections ORDER BY started_at DESC")
    return out_rows(args, rows, lambda row: f"{row['short_id']}\t{row['id'][:8]}\t"
                    f"{row['status']}\t{row['started_at']}")


def cmd_inspections_submit(args: argparse.Namespace) -> int:
    with _open(args) as store:
        row = inspections.resolve(store, args.id)
        # inspections.submit refuses by inspections.submission_problems, the GUI's rule too.
        score = inspections.submit(
            store, row["id"], args.signed_by, representative=args.representative,
            inspector_signature=_read_png(args.inspector_signature),
            representative_signature=_read_png(args.representative_signature)).score
    out(t("已提交 {sid}：{m}", "Submitted {sid}: {m}", sid=row["short_id"],
          m=scoring.verdict_text(score.met)))
    return EXIT_OK


def _read_png(path: str | None) -> bytes | None:
    """A drawn signature given as a PNG file (scanned or drawn elsewhere)."""
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InspectorError(t("无法读取签名图片 {p}：{e}", "Cannot read the signature image "
                               "{p}: {e}", p=path, e=exc.strerror or exc)) from exc


def cmd_inspections_reopen(args: argparse.Namespace) -> int:
    with _open(args) as store:
        row = inspections.resolve(store, args.id)
        inspections.reopen(store, row["id"], args.reason)
    return EXIT_OK


def cmd_findings_add(args: argparse.Namespace) -> int:
    with _open(args) as store:
        row = inspections.resolve(store, args.inspection)
        finding_id = findings.add(
            store, row["id"], category=args.category, description=args.description,
            item_code=args.item, location=args.location, severity=args.severity,
            department=args.department, deadline=args.deadline, estate=args.estate,
            responsible=args.responsible)
    out(finding_id)
    return EXIT_OK


def cmd_findings_list(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as store:
        inspection_id = inspections.resolve(store, args.inspection)["id"] if args.inspection \
            else None
        rows = findings.list_findings(store, status=args.status, department=args.department,
                                      inspection_id=inspection_id)
    if args.json:
        out_json(rows)
        return EXIT_OK
    for row in rows:
        status = "overdue" if row["overdue"] else row["status"]
        out("\t".join([row["short_id"], status, row["severity"], row["department"],
                       row["deadline"] or "", row["description"]]))
    return EXIT_OK


def cmd_findings_set(args: argparse.Namespace) -> int:
    from inspector.domain import places

    changes = {k: v for k, v in (("department", args.department), ("deadline", args.deadline),
                                 ("severity", args.severity), ("location", args.location),
                                 ("description", args.description),
                                 ("category", args.category)) if v is not None}
    party = args.responsible is not None or args.estate is not None
    reply = args.measures is not None or args.fixed_on is not None
    typed = args.lat is not None or args.lon is not None
    if typed and args.from_photo is not None:
        raise InspectorError(t("--lat/--lon 与 --from-photo 只能选一个",
                               "Give either --lat/--lon or --from-photo, not both"))
    if (not changes and args.status is None and not party and not reply and not typed
            and args.from_photo is None):
        raise InspectorError(t("没有要修改的内容", "Nothing to change"))
    with _open(args) as store:
        row = findings.resolve(store, args.id)
        with store.write():  # all or nothing: a bad value changes none of the others
            if changes:
                findings.edit(store, row["id"], **changes)
            if party:
                findings.set_responsible(store, row["id"], responsible=args.responsible,
                                         estate=args.estate)
            if reply:
                findings.set_reply(store, row["id"], measures=args.measures,
                                   fixed_on=args.fixed_on)
            if args.status is not None:
                findings.set_status(store, row["id"], args.status)
            if typed:
                places.set_coordinates(store, row["id"], args.lat, args.lon)
            if args.from_photo is not None:
                places.coordinates_from_photo(store, row["id"], args.from_photo or None)
        position = places.finding_position(store, findings.get(store, row["id"]))
    if (typed or args.from_photo is not None) and position is not None:
        out(t("{sid} 坐标：{p}", "{sid} at {p}", sid=row["short_id"], p=position.describe()))
    return EXIT_OK


def cmd_findings_pin(args: argparse.Namespace) -> int:
    from inspector.domain import places

    with _open(args) as store:
        row = places.resolve_finding(store, args.id)
        if args.clear:
            places.clear_pin(store, row["id"])
        elif args.x is None or args.y is None:
            raise InspectorError(t("请给出 --x 和 --y（0 到 1），或 --clear",
                                   "Give --x and --y (0 to 1), or --clear"))
        else:
            places.set_pin(store, row["id"], args.x, args.y)
    return EXIT_OK


def cmd_communities_plan(args: argparse.Namespace) -> int:
    from inspector.domain import places

    with _open(args) as store:
        community = communities.resolve(store, args.community)
        sha = places.set_site_plan(store, community["id"], Path(args.image)).sha256
    out(t("已载入 {c} 的总平面图（{sha}）", "Loaded the site plan of {c} ({sha})",
          c=community["name"], sha=sha[:12]))
    return EXIT_OK


def _photo_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"sha256": row["id"], "name": row["original_name"], "size": row["size"],
            "format": row["format"], "width": row["width"], "height": row["height"],
            "taken_at": row["taken_at"], "latitude": row["latitude"],
            "longitude": row["longitude"], "camera": row["camera"], "kind": row.get("kind"),
            "exif_problems": row["exif_problems"]}


def cmd_photos_add(args: argparse.Namespace) -> int:
    from inspector.domain import photos

    with _open(args) as store:
        target = photos.parse_target(store, args.target)
        result = photos.import_photos(store, [Path(f) for f in args.files], target,
                                      kind=args.kind)
    for photo in result.imported:
        out(f"{photo.sha256}\t{photo.source}")
    if result.failed:
        sys.stderr.write(result.summary() + "\n")
        return EXIT_REFUSED
    return EXIT_OK


def cmd_photos_list(args: argparse.Namespace) -> int:
    from inspector.domain import photos

    with _open(args, readonly=True) as store:
        rows = photos.photos_of(store, photos.parse_target(store, args.target))
    data = [_photo_json(row) for row in rows]
    if args.json:
        out_json(data)
        return EXIT_OK
    for photo in data:
        place = (f"{photo['latitude']:.6f},{photo['longitude']:.6f}"
                 if photo["latitude"] is not None else "-")
        out("\t".join([photo["sha256"][:16], photo["taken_at"] or "-", place,
                       f"{photo['width']}x{photo['height']}", str(photo["size"]),
                       photo["name"]]))
    return EXIT_OK


def _plan_line(proposal: Any, action: Any, offset: float) -> str:
    from inspector.domain import camera_card

    taken = proposal.corrected(offset)
    when = taken.strftime("%Y-%m-%d %H:%M:%S") if taken else t("无时间", "no time")
    if proposal.time_source == "file":
        when += t("（文件时间）", " (file time)")
    elif proposal.zoned:
        when += t("（带时区）", " (with UTC offset)")
    if proposal.excluded == camera_card.OTHER_DAY:
        what = t("其他日期，不导入", "another day, left out")
    elif proposal.excluded == camera_card.DUPLICATE:
        what = t("与 {f} 相同，不导入", "same as {f}, left out", f=proposal.duplicate_of.name
                 if proposal.duplicate_of else "?")
    else:
        gap = "" if proposal.gap_seconds is None else f" ({proposal.gap_seconds:.0f} s)"
        verb = {camera_card.NEW: t("新关联", "link"),
                camera_card.UNCHANGED: t("已关联，不变", "already linked"),
                camera_card.MOVE: t("移动自 {f}", "move from {f}", f="、".join(
                    m.label for m in action.moved_from))}[action.kind]
        what = f"→ {proposal.target.label}{gap}  [{verb}]"
    return f"{proposal.source.name}\t{when}\t{what}"


def _confirm(question: str) -> bool:
    sys.stdout.write(question)
    sys.stdout.flush()
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):  # no input to read (closed, or not a terminal)
        answer = ""
    sys.stdout.write("\n" if not answer.endswith("\n") else "")
    return answer.strip().lower() in ("y", "yes", "是", "好")


def cmd_photos_import_folder(args: argparse.Namespace) -> int:
    from inspector.domain import camera_card

    with _open(args) as store:
        inspection = inspections.resolve(store, args.inspection)
        folder = Path(args.folder)
        if not folder.is_dir():
            raise InspectorError(t("{f} 不是文件夹", "{f} is not a folder", f=folder))
        scan = camera_card.propose(store, inspection["id"], folder,
                                   window_minutes=args.window, offset_minutes=args.offset,
                                   any_day=args.any_day)
        planned = camera_card.actions(store, inspection["id"], scan.proposals)
        days = camera_card.visit_days(store, inspection["id"])
        out(t("检查 {sid} 的日期：{d}（前后各留 2 小时）", "The inspection {sid} was carried "
              "out on {d} (2 hours either side count)", sid=inspection["short_id"],
              d=days.label()))
        for proposal, action in zip(scan.proposals, planned, strict=True):
            out(_plan_line(proposal, action, args.offset))
        for path, reason in scan.skipped:
            out(t("跳过 {p}：{r}", "skipped {p}: {r}", p=path, r=reason))
        counts = {kind: sum(1 for a in planned if a.kind == kind)
                  for kind in (camera_card.NEW, camera_card.MOVE, camera_card.UNCHANGED)}
        other_day = sum(1 for p in scan.proposals if p.excluded == camera_card.OTHER_DAY)
        duplicates = sum(1 for p in scan.proposals if p.excluded == camera_card.DUPLICATE)
        out(t("计划：共 {n} 张照片，新关联 {a}，移动 {m}，已关联 {u}，其他日期 {d}，重复 {p}；"
              "另有 {s} 个文件不是照片或未读取",
              "Plan: {n} photos, {a} to link, {m} to move, {u} already linked, {d} of other "
              "days, {p} duplicates; {s} more files are not photos or were not read",
              n=len(scan.proposals), a=counts[camera_card.NEW], m=counts[camera_card.MOVE],
              u=counts[camera_card.UNCHANGED], d=other_day, p=duplicates,
              s=len(scan.skipped)))
        if other_day:
            out(t("其他日期的 {n} 张照片不会导入（相机时钟不准时用 --offset 校正，"
                  "确需导入用 --any-day）。",
                  "The {n} photos of other days are left out (correct a wrong camera clock "
                  "with --offset; use --any-day to import them anyway).", n=other_day))
        by_file = camera_card.by_file_time(scan.proposals)
        if by_file:
            out(t("{n} 张照片没有 EXIF 拍摄时间，按文件时间匹配：{names}",
                  "{n} photos have no EXIF time and were matched by their file time: {names}",
                  n=len(by_file), names=", ".join(p.source.name for p in by_file)))
        if args.dry_run:
            return EXIT_OK
        if not any(not p.excluded for p in scan.proposals):
            out(t("没有要导入的照片。", "There is nothing to import."))
            return EXIT_OK
        if not args.yes and not _confirm(t("按此计划导入？[y/N] ",
                                           "Import as planned? [y/N] ")):
            sys.stderr.write(t("未导入任何照片（用 --yes 可跳过确认）。",
                               "Nothing was imported (--yes skips the question).") + "\n")
            return EXIT_REFUSED
        result = camera_card.apply(store, scan.proposals)
    for line in result.lines():
        out(line)
    return EXIT_REFUSED if result.failed else EXIT_OK


def cmd_photos_remove(args: argparse.Namespace) -> int:
    from inspector.domain import photos

    with _open(args) as store:
        target = photos.parse_target(store, args.target)
        row = photos.resolve_on(store, target, args.photo)
        photos.remove(store, target, row["id"])
    out(t("已从 {target} 移除照片 {name}（{sha}）；原件仍保留在数据目录中。",
          "Removed the photo {name} ({sha}) from {target}; the original stays in the data "
          "directory.", target=target.label, name=row["original_name"], sha=row["id"][:12]))
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from inspector.domain import photos
    from inspector.ops import health
    from sync import folder

    if args.retention_days is not None and not args.clean:
        raise InspectorError(t("--retention-days 需与 --clean 一起使用",
                               "--retention-days goes with --clean"))
    with _open(args, readonly=not args.clean) as store:
        sound = health.check(store, full=args.full)
        for line in sound.lines():
            out(line)
        if not sound.database:  # the photo rows can be read: check the files too
            report = photos.verify(store)
            for line in report.lines():
                out(line)
            photos_ok = report.ok
        else:
            photos_ok = False
        synced = store.get_setting("sync_folder")
        stale, young = folder.stale_leftovers(Path(synced)) if synced else ([], 0)
        if stale and not args.clean:
            out(t("同步文件夹 {f} 中有 {n} 个中断的数据包写入（超过 1 小时）"
                  "（inspector verify --clean 可删除）",
                  "{n} interrupted bundle writes (over an hour old) in the sync folder {f} "
                  "(`inspector verify --clean` removes them)", f=synced, n=len(stale)))
        if young:
            out(t("同步文件夹中有 {n} 个正在写入的数据包（不到 1 小时，保留）",
                  "{n} bundles being written in the sync folder (under an hour old; kept)",
                  n=young))
        if args.clean:
            removed = health.clean(store)
            if synced:
                removed += folder.clean_leftovers(Path(synced))
            out(t("已删除临时文件 {n} 个", "Removed {n} temporary files", n=len(removed)))
            if not sound.database:
                cleaned = photos.clean(store, args.retention_days
                                       if args.retention_days is not None
                                       else photos.RETENTION_DAYS)
                for line in cleaned.lines():
                    out(line)
    return EXIT_OK if sound.ok and photos_ok else 1


def cmd_recover(args: argparse.Namespace) -> int:
    from inspector.ops import health

    if not args.data_dir:
        raise InspectorError(t("请用 --data-dir 指定已损坏的数据目录",
                               "Give the damaged data directory with --data-dir"))
    result = health.recover(Path(args.data_dir), Path(args.target))
    out(health.describe(result))
    return EXIT_OK


def cmd_log(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as store:
        entries = audit.entries(store, table=args.table, row_id=args.row, limit=args.limit)
    if args.json:
        out_json([entry.as_dict() for entry in entries])
        return EXIT_OK
    for entry in entries:
        out(f"{entry.when}  {entry.actor or '-'}@{entry.device[:8]}#{entry.seq}  "
            f"{entry.table}/{entry.row_id[:12]}.{entry.field}: "
            f"{_short(entry.old_value)} → {_short(entry.new_value)}")
    return EXIT_OK


def _short(value: Any) -> str:
    text = "∅" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


# -- the parser -------------------------------------------------------------------------------


def cmd_config_set(args: argparse.Namespace) -> int:
    from inspector.domain import config

    with _open(args) as store:
        value = config.set_value(store, args.key, args.value)
    out(f"{args.key} = {value}")
    return EXIT_OK


def cmd_config_list(args: argparse.Namespace) -> int:
    from inspector.domain import config

    with _open(args, readonly=True) as store:
        rows = config.list_all(store)
    if args.json:
        out_json(rows)
        return EXIT_OK
    for row in rows:
        out(f"{row['key']} = {row['value']}")
    if not rows:
        out(t("（尚无团队设置）可设置：", "(no team settings yet) Known settings:"))
        for known in config.KEYS:
            out(f"  {known.pattern}  {t(known.help_zh, known.help_en)}")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from inspector.ops import backup

    with _open(args) as store:
        result = backup.backup(store, Path(args.output))
    out(t("备份已写入 {f}（照片 {p} 张，签名 {s} 个，{mb:.1f} MB）",
          "Backup written to {f} ({p} photos, {s} signatures, {mb:.1f} MB)", f=result.path,
          p=result.photos, s=result.signatures, mb=result.size / 1e6))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from inspector.ops import backup

    if not args.data_dir:
        raise InspectorError(t("请用 --data-dir 指定要恢复到的新数据目录",
                               "Give the new data directory to restore into with --data-dir"))
    result = backup.restore(Path(args.file), Path(args.data_dir))
    out(t("已恢复到 {d}。本机使用新的设备身份 {new}（备份来自 {old}）；尚未同步的 {n} 条修改已"
          "归入新身份。请让同事信任本机。",
          "Restored into {d}. This is a new device {new} (the backup came from {old}); its "
          "{n} changes not yet synced were moved to the new identity. Ask a teammate to "
          "trust this device.", d=result.data_dir, new=result.new_device[:8],
          old=result.old_device[:8], n=result.moved))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="inspector", description="绿色社区巡查 Green Community Inspector")
    parser.add_argument("--data-dir", help="data directory (default: INSPECTOR_DATA_DIR or the "
                        "platform's user data directory)")
    parser.add_argument("--lang", choices=("zh", "en"), help="language of messages")
    parser.add_argument("--user", help="who is making the changes (for the audit log)")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(group: Any, name: str, handler: Callable[[argparse.Namespace], int],
                help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help_text)
        sub.set_defaults(handler=handler)
        return sub

    command(commands, "init", cmd_init, "create the data directory and install checklists")
    p = command(commands, "demo", cmd_demo, "fill an empty data directory with demo data")
    p.add_argument("--scale", choices=("sample", "city"), default="sample",
                   help="city: a synthetic city-year (1,600 communities, 3,200 submitted "
                   "inspections, 8,000 findings, 8,000 photos) for training and measuring")

    group = commands.add_parser("communities", help="the community registry")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "import", cmd_communities_import, "import a CSV community list")
    p.add_argument("file")
    p = command(sub, "plan", cmd_communities_plan,
                "load a site plan image (fire-lane plan, a screenshot of the estate)")
    p.add_argument("community")
    p.add_argument("image")
    p = command(sub, "list", cmd_communities_list, "list communities")
    p.add_argument("--district")
    p.add_argument("--json", action="store_true")

    group = commands.add_parser("templates", help="checklist templates")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "list", cmd_templates_list, "installed checklists")
    p.add_argument("--json", action="store_true")
    p = command(sub, "validate", cmd_templates_validate, "check a template file")
    p.add_argument("file")
    p = command(sub, "install", cmd_templates_install, "install a template file")
    p.add_argument("file")

    group = commands.add_parser("inspections", help="inspections")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "new", cmd_inspections_new, "start an inspection; prints its id")
    p.add_argument("--community", required=True, help="community id or name")
    p.add_argument("--inspector", required=True, action="append", help="repeat for several")
    p.add_argument("--department", action="append", help="joint-team department; repeatable")
    p.add_argument("--template", help="checklist id, e.g. ningbo-green-community@v1")
    p = command(sub, "answer", cmd_inspections_answer, "answer an item")
    p.add_argument("id")
    p.add_argument("item")
    p.add_argument("answer", help="pass, fail or na; a number or na for number and count "
                   "items; a choice's name or number for choice items; good/checked (17/20) "
                   "for sample items")
    p.add_argument("--note")
    p = command(sub, "show", cmd_inspections_show, "an inspection with its answers and score")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p = command(sub, "list", cmd_inspections_list, "list inspections")
    p.add_argument("--community")
    p.add_argument("--json", action="store_true")
    p = command(sub, "submit", cmd_inspections_submit, "sign and lock an inspection")
    p.add_argument("id")
    p.add_argument("--signed-by", required=True, action="append")
    p.add_argument("--representative", help="the community representative's name")
    p.add_argument("--inspector-signature", metavar="PNG",
                   help="the inspectors' drawn signature (optional)")
    p.add_argument("--representative-signature", metavar="PNG",
                   help="the representative's drawn signature (optional; needs the name)")
    p = command(sub, "reopen", cmd_inspections_reopen, "unlock a submitted inspection")
    p.add_argument("id")
    p.add_argument("--reason", required=True)

    group = commands.add_parser("findings", help="findings (hazards)")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "add", cmd_findings_add, "add a finding; prints its id")
    p.add_argument("inspection")
    p.add_argument("--category", required=True)
    p.add_argument("--description", required=True)
    p.add_argument("--item")
    p.add_argument("--location")
    p.add_argument("--severity")
    p.add_argument("--department")
    p.add_argument("--deadline", help="YYYY-MM-DD")
    p.add_argument("--estate", help="the estate (小区) the finding is in")
    p.add_argument("--responsible", help="who must fix it: 物业, 社区, a property company, "
                   "or 业主:NAME (default: the estate's property company, else the 居委会)")
    p = command(sub, "list", cmd_findings_list, "list findings")
    p.add_argument("--status", help="open, rectified, verified or overdue")
    p.add_argument("--department")
    p.add_argument("--inspection")
    p.add_argument("--json", action="store_true")
    p = command(sub, "set", cmd_findings_set, "change a finding")
    p.add_argument("id")
    p.add_argument("--status")
    p.add_argument("--department")
    p.add_argument("--deadline")
    p.add_argument("--severity")
    p.add_argument("--location")
    p.add_argument("--description")
    p.add_argument("--category")
    p.add_argument("--estate")
    p.add_argument("--responsible")
    p.add_argument("--measures", help="the responsible party's reply: what was done")
    p.add_argument("--fixed-on", help="the reply's completion date (YYYY-MM-DD)")
    p.add_argument("--lat", type=float, help="latitude, WGS-84 (with --lon)")
    p.add_argument("--lon", type=float, help="longitude, WGS-84 (with --lat)")
    p.add_argument("--from-photo", nargs="?", const="", metavar="PHOTO",
                   help="take the coordinates from a photo's GPS (default: the first "
                   "GPS-tagged before-photo)")
    p = command(sub, "pin", cmd_findings_pin,
                "pin a finding on its community's site plan (0..1 from the left and the top)")
    p.add_argument("id")
    p.add_argument("--x", type=float)
    p.add_argument("--y", type=float)
    p.add_argument("--clear", action="store_true", help="take the pin off")

    group = commands.add_parser("photos", help="photos as evidence")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "add", cmd_photos_add, "import photos for INSPECTION:ITEM, a finding or "
                "a follow-up")
    p.add_argument("target")
    p.add_argument("files", nargs="+")
    p.add_argument("--kind", choices=("before", "after"))
    p = command(sub, "list", cmd_photos_list, "photos of a target")
    p.add_argument("target")
    p.add_argument("--json", action="store_true")
    p = command(sub, "import-folder", cmd_photos_import_folder,
                "match a camera folder to an inspection's answers and findings by time")
    p.add_argument("inspection")
    p.add_argument("folder")
    p.add_argument("--window", type=float, default=5, help="minutes (default 5)")
    p.add_argument("--offset", type=float, default=0,
                   help="minutes to add to the camera's clock (not to times that carry "
                   "their UTC offset, as phones write them)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    p.add_argument("--yes", action="store_true", help="import without asking")
    p.add_argument("--any-day", action="store_true",
                   help="also import photos taken on other days than the inspection's")
    p = command(sub, "remove", cmd_photos_remove,
                "take a photo off INSPECTION:ITEM, a finding or a follow-up while it can still "
                "be edited (the original is kept)")
    p.add_argument("target")
    p.add_argument("photo", help="the photo's SHA-256 (or its first characters) or file name")
    p = command(commands, "verify", cmd_verify,
                "check the database and re-hash every photo original; exit 1 if anything is "
                "damaged, missing, altered or dangling")
    p.add_argument("--full", action="store_true",
                   help="SQLite's full integrity check instead of the quick one")
    p.add_argument("--clean", action="store_true",
                   help="remove the temporary files interrupted work left behind, then delete "
                   "originals nothing refers to any more, once past the retention period")
    p.add_argument("--retention-days", type=int,
                   help="how long an unreferenced original is kept (default 180)")
    p = command(commands, "recover", cmd_recover,
                "salvage what can be read of a damaged data directory (--data-dir) into TARGET")
    p.add_argument("target", help="a new, empty data directory")
    group = commands.add_parser("config", help="team settings that sync (issuer, targets …)")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "set", cmd_config_set, "set a team setting")
    p.add_argument("key")
    p.add_argument("value")
    p = command(sub, "list", cmd_config_list, "the team settings")
    p.add_argument("--json", action="store_true")
    p = command(commands, "backup", cmd_backup,
                "a consistent copy of the data directory (database and photos) in one file")
    p.add_argument("-o", "--output", required=True, help="the backup file (.zip)")
    p = command(commands, "restore", cmd_restore,
                "rebuild a data directory from a backup, as a new device")
    p.add_argument("file")

    from inspector.cli import documents as cli_documents
    from inspector.cli import exports as cli_exports
    from inspector.cli import recognition as cli_recognition
    from inspector.cli import rectification as cli_rectification
    from inspector.cli import reports as cli_reports

    cli_reports.register(commands, command)
    cli_exports.register(commands, command)
    cli_rectification.register(commands, command)
    cli_recognition.register(commands, command, _Parser)
    cli_documents.register(commands, command)
    from inspector.cli import sync as sync_cli  # the sync commands live with sync

    sync_cli.register(commands, command)

    p = command(commands, "log", cmd_log, "the audit trail: who changed what, when")
    p.add_argument("--json", action="store_true")
    p.add_argument("--table")
    p.add_argument("--row", help="row id or its prefix")
    p.add_argument("--limit", type=int)
    return parser


# Options whose value is free text: a value starting with "-" (an address like "-2+3", a
# basement level) is still their value, not an option.
TEXT_OPTIONS = {"--location", "--description", "--note", "--measures", "--name", "--reason",
                "--property-company", "--contact", "--responsible", "--estate", "--value"}


def _glue_text_values(argv: Sequence[str]) -> list[str]:
    args = list(argv)
    glued: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in TEXT_OPTIONS and index + 1 < len(args) and args[index + 1].startswith("-") \
                and args[index + 1] not in ("-", "--") and not args[index + 1].startswith("--"):
            glued.append(f"{arg}={args[index + 1]}")
            index += 2
            continue
        glued.append(arg)
        index += 1
    return glued


EXIT_BUG = 3


def _not_utf8(argv: Sequence[str]) -> str | None:
    """The first argument (or INSPECTOR_USER) that is not valid UTF-8 text, if any."""
    import os

    named = [(t("第 {n} 个参数", "argument {n}", n=n), text) for n, text in enumerate(argv, 1)]
    named.append(("INSPECTOR_USER", os.environ.get("INSPECTOR_USER", "")))
    for name, text in named:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return name
    return None


def _log_folder(args: argparse.Namespace) -> Path | None:
    """Where an unexpected error is logged: the data directory if it exists, else the
    platform's log folder for this program."""
    try:
        folder = resolve_data_dir(getattr(args, "data_dir", None))
        if folder.is_dir():
            return folder
        import platformdirs

        return Path(platformdirs.user_log_dir("green-inspector", appauthor=False))
    except Exception:  # noqa: BLE001 - even this must not end in a traceback
        return None


def main(argv: Sequence[str] | None = None, *, wall: WallClock | None = None) -> int:
    """Run one command; ``wall`` sets the clock the domain reads (the system clock if none).
    Every failure ends as a message: the domain's, a known fault's, or — for a bug — a short
    one pointing at the error log with the traceback."""
    from inspector.core import faults

    arguments = list(sys.argv[1:] if argv is None else argv)
    bad = _not_utf8(arguments)
    if bad is not None:
        sys.stderr.write(t("错误：{what} 含有不是 UTF-8 的字节，无法处理；"
                           "请检查终端或系统的语言设置。\n",
                           "Error: {what} holds bytes that are not UTF-8 and cannot be used; "
                           "check the terminal's or system's language settings.\n", what=bad))
        return EXIT_REFUSED
    args = build_parser().parse_args(_glue_text_values(arguments))
    args.wall = wall
    if args.lang:
        set_language(args.lang)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except ImportFileError as exc:
        sys.stderr.write(f"{t('错误', 'Error')}: {exc}\n")
        for problem in exc.problems:
            sys.stderr.write(f"  {problem}\n")
        return EXIT_REFUSED
    except InspectorError as exc:
        sys.stderr.write(f"{t('错误', 'Error')}: {exc}\n")
        return EXIT_REFUSED
    except BrokenPipeError:  # output piped into `head`: not an error
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write(t("已中断\n", "Interrupted\n"))
        return EXIT_REFUSED
    except Exception as exc:  # noqa: BLE001 - the boundary: nothing passes as a traceback
        fault = faults.known(exc, getattr(args, "data_dir", None))
        if fault is not None:
            sys.stderr.write(f"{t('错误', 'Error')}: {fault}\n")
            return EXIT_REFUSED
        sys.stderr.write(f"{t('错误', 'Error')}: "
                         f"{faults.bug_message(faults.log_bug(exc, _log_folder(args)))}\n")
        return EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())

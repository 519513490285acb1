"""Labels of the periodic reports (日报/周报/旬报/月报), per language, as data.

Kept apart from reports/labels.py so the ticket and notice tables stay as they are; a key
missing here falls back to those tables (page numbers, "none"), and then to Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.labels import DEFAULT_LANGUAGE, Texts, normalise_language

PERIOD_LABELS: dict[str, dict[str, str]] = {
    "zh_CN": {
        "title.daily": "超限检测日报",
        "title.weekly": "超限检测周报",
        "title.dekad": "超限检测旬报",
        "title.monthly": "超限检测月报",
        "period.daily": "{y}年{m}月{d}日",
        "period.weekly": "{y}年第{w}周（{first} 至 {last}）",
        "period.dekad": "{y}年{m}月{part}（{first} 至 {last}）",
        "period.monthly": "{y}年{m}月（{first} 至 {last}）",
        "dekad.1": "上旬",
        "dekad.2": "中旬",
        "dekad.3": "下旬",
        "generated": "生成时间",
        "summary": "一、检测概况",
        "weighed": "检测车辆（初检）",
        "over": "超限车辆",
        "over_rate": "超限率",
        "reweighs": "复检车次",
        "voided": "作废记录（不计入统计）",
        "device_faults": "设备故障",
        "upload_passes": "数据上传",
        "not_recorded": "未记录",
        "no_upload": "无上传记录",
        "by_axles": "二、按轴数统计",
        "by_lane": "三、按车道统计",
        "axles": "轴数",
        "axles.value": "{n}轴",
        "lane": "车道",
        "lane.value": "{n}号车道",
        "total": "合计",
        "rate_pct": "超限率（%）",
        "charts": "四、统计图",
        "chart.hour": "各时段检测车辆数（按小时）",
        "chart.day": "每日超限率（%）",
        "hour": "时",
        "heavy": "五、重型车辆（车货总质量80吨及以上）",
        "heavy.at_least": "{t}吨及以上",
        "heavy.king": "（百吨王）",
        "check_no": "检测单号",
        "check_time": "检测时间",
        "plate": "车牌号码",
        "gross_kg": "车货总质量（kg）",
        "cases": "六、案件处理",
        "case.result": "处理结果",
        "case.count": "案件数",
        "result.NOT_OVER": "未超限结案",
        "result.UNLOADED": "卸载复检合格",
        "result.POLICE": "移交公安",
        "result.PERMIT": "持证运输",
        "result.ABSCONDED": "逃逸",
        "case.open": "未结案",
        "case.voided": "已作废",
        "unloaded_avg": "平均卸载量（卸载结案）",
        "unloaded_avg.value": "{kg} kg（{n} 件）",
        "overdue": "超期未结案件（开案后超过{h}小时）",
        "opened_at": "开案时间",
        "deadline": "卸载期限",
        "unload_kg": "应卸载量（kg）",
        "cases.note": "统计本期开案的案件，按当前状态。",
        "faults": "七、设备故障",
        "faults.note": (
            "设备离线或无有效数据起至恢复正常为一次故障；跨期的故障计入本期，时长只计本期内的部分。"
        ),
        "faults.none": "本期无设备故障记录。",
        "faults.not_recorded": "未记录：本期结束前设备状态日志尚未启用。",
        "device": "设备编号",
        "faults.count": "故障次数",
        "faults.minutes": "故障时长（分钟）",
        "vehicles": "车辆",
        "unit.vehicles": "辆",
    },
    "en": {
        "title.daily": "Daily overload report",
        "title.weekly": "Weekly overload report",
        "title.dekad": "Ten-day overload report",
        "title.monthly": "Monthly overload report",
        "period.daily": "{y}-{m:02d}-{d:02d}",
        "period.weekly": "{y} week {w} ({first} to {last})",
        "period.dekad": "{y}-{m:02d}, {part} ({first} to {last})",
        "period.monthly": "{y}-{m:02d} ({first} to {last})",
        "dekad.1": "first ten days",
        "dekad.2": "second ten days",
        "dekad.3": "last days",
        "generated": "Generated",
        "summary": "1. Overview",
        "weighed": "Vehicles weighed (first weighings)",
        "over": "Overloaded vehicles",
        "over_rate": "Overload rate",
        "reweighs": "Re-weighings",
        "voided": "Voided records (not counted)",
        "device_faults": "Device faults",
        "upload_passes": "Upload",
        "not_recorded": "not recorded",
        "no_upload": "no upload passes recorded",
        "by_axles": "2. By axle count",
        "by_lane": "3. By lane",
        "axles": "Axles",
        "axles.value": "{n} axles",
        "lane": "Lane",
        "lane.value": "Lane {n}",
        "total": "Total",
        "rate_pct": "Overload rate (%)",
        "charts": "4. Charts",
        "chart.hour": "Vehicles weighed by hour of day",
        "chart.day": "Overload rate by day (%)",
        "hour": "h",
        "heavy": "5. Heavy vehicles (gross 80 t and more)",
        "heavy.at_least": "{t} t and more",
        "heavy.king": " (百吨王)",
        "check_no": "Ticket no.",
        "check_time": "Time",
        "plate": "Plate",
        "gross_kg": "Gross (kg)",
        "cases": "6. Cases",
        "case.result": "Result",
        "case.count": "Cases",
        "result.NOT_OVER": "not over, closed",
        "result.UNLOADED": "unloaded, re-weighed",
        "result.POLICE": "handed to police",
        "result.PERMIT": "permit",
        "result.ABSCONDED": "absconded",
        "case.open": "open",
        "case.voided": "voided",
        "unloaded_avg": "Average unloaded (unloaded cases)",
        "unloaded_avg.value": "{kg} kg ({n} cases)",
        "overdue": "Open cases past their deadline ({h} h after opening)",
        "opened_at": "Opened",
        "deadline": "Deadline",
        "unload_kg": "To unload (kg)",
        "cases.note": "Cases opened in the period, in their present state.",
        "faults": "7. Device faults",
        "faults.note": (
            "A fault runs from a device going offline or silent until it works again; a fault "
            "spanning periods counts in each, with only its time within the period."
        ),
        "faults.none": "No device faults recorded in the period.",
        "faults.not_recorded": (
            "Not recorded: the device state log was not yet kept before the period ended."
        ),
        "device": "Device",
        "faults.count": "Faults",
        "faults.minutes": "Minutes not OK",
        "vehicles": "vehicles",
        "unit.vehicles": "",
    },
}


@dataclass(frozen=True, slots=True)
class PeriodTexts(Texts):
    """The periodic-report labels first, then the document labels, then Chinese."""

    def __getitem__(self, key: str) -> str:
        for table in (PERIOD_LABELS[self.language], PERIOD_LABELS[DEFAULT_LANGUAGE]):
            if key in table:
                return table[key]
        return Texts.__getitem__(self, key)


def period_texts(language: str) -> PeriodTexts:
    return PeriodTexts(normalise_language(language))

"""Every word the documents print, per language, as data.

Chinese (zh_CN) is the operators' language and the default; English is a translation for
foreign drivers and for review. A key missing from a language falls back to Chinese, so a new
label never prints blank. Code tables translate the upload enumerations (province-api.md §3.1)
into short names; an unknown code is printed raw rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "zh_CN"

LABELS: dict[str, dict[str, str]] = {
    "zh_CN": {
        "ticket.title": "车辆超限检测单",
        "colon": "：",
        "list_sep": "、",
        "station.value": "{name}（站点编号 {code}）",
        "check_type.reweigh": "{kind}（初检单号 {first}）",
        "rule.value": "{rule}（{adjustments}）",
        "picture.skipped": "{name}（{problem}）",
        "issuer.value": "{name}（{code}）",
        "check_no": "检测单号",
        "check_time": "检测时间",
        "lane": "车道",
        "lane.value": "{lane}号车道（{direction}）",
        "check_type": "检测类型",
        "plate": "车牌号码",
        "plate_colour": "车牌颜色",
        "plate_source": "车牌来源",
        "axle_type": "轴型",
        "axle_type.value": "{code}（{count}轴）",
        "weigh_mode": "称重方式",
        "speed": "车速",
        "axle.no": "轴号",
        "axle.group": "轴组类型",
        "axle.weight": "轴重 (kg)",
        "axle.spacing": "轴距 (mm)",
        "gross": "车货总质量",
        "limit": "限值",
        "rule": "限值依据",
        "over_kg": "超限量",
        "over_rate": "超限率",
        "verdict.over": "超限",
        "verdict.ok": "未超限",
        "scale": "秤台编号",
        "cert": "检定证书",
        "cert.value": "{no}（有效期至 {date}）",
        "calibration": "标定计数",
        "operator": "检测员",
        "flags": "异常标记",
        "none": "无",
        "record_hash": "记录哈希",
        "chain.seq": "链序号",
        "chain.broken": "哈希链校验异常",
        "notice_no": "卸载通知书编号",
        "unload_kg": "责令卸载量",
        "pictures.skipped": "未显示的照片",
        "picture.missing": "文件缺失",
        "picture.mismatch": "校验不符",
        "picture.unreadable": "无法读取",
        "sign.operator": "检测员签名",
        "sign.driver": "驾驶员签名",
        "stamp.copy": "副本 COPY",
        "stamp.void": "已作废 VOID",
        "voided": "已作废",
        "void_reason": "作废原因",
        "page": "第 {n} 页",
        "notice.title": "超限运输车辆卸载通知书",
        "notice.no": "编号",
        "party": "当事人",
        "vehicle": "车辆",
        "vehicle.value": "{plate}（{colour}牌，{axles}轴）",
        "cargo": "货物名称",
        "place": "检测地点",
        "place.value": "{station} {lane}号车道",
        "unload": "责令卸载",
        "deadline": "卸载期限",
        "deadline.value": "{time} 前",
        "issuer": "检测站",
        "seal": "（盖章）",
        "issue_date": "日期",
        "officer": "执法人员",
        "officer_cert": "执法证号",
        "sign.party": "当事人签名",
        "date_blank": "____年____月____日",
        "service": "送达",
        "service.time": "送达时间",
        "service.time_blank": "____年____月____日____时____分",
        "service.method": "送达方式",
        "service.methods": "□ 直接送达    □ 留置送达    □ 其他 ____________",
        "service.recipient": "受送达人签名",
        "service.server": "送达人签名",
        "sheet.title": "车辆称重和卸载单",
        "sheet.subtitle": "（路警联合执法）",
        "sheet.no": "编号",
        "sheet.station": "检测站",
        "sheet.police": "交警大队",
        "sheet.detect_date": "检测日期",
        "sheet.handle_date": "处理日期",
        "sheet.first": "初检",
        "sheet.reweigh": "复检",
        "sheet.not_reweighed": "未复检",
        "sheet.unloaded": "卸载量",
        "sheet.within": "复检是否合格",
        "sheet.yes": "是（未超限）",
        "sheet.no_over": "否（仍超限）",
        "sheet.result": "处理结果",
        "sheet.results": "□ 卸载后复检合格放行  □ 移交交警处理  □ 其他 ________________",
        "sheet.officer1": "承办人1",
        "sheet.officer2": "承办人2",
        "sheet.driver": "驾驶员签名",
    },
    "en": {
        "ticket.title": "Overload detection ticket",
        "colon": ": ",
        "list_sep": ", ",
        "station.value": "{name} (station code {code})",
        "check_type.reweigh": "{kind} (first ticket {first})",
        "rule.value": "{rule} ({adjustments})",
        "picture.skipped": "{name} ({problem})",
        "issuer.value": "{name} ({code})",
        "check_no": "Ticket no.",
        "check_time": "Time",
        "lane": "Lane",
        "lane.value": "Lane {lane} ({direction})",
        "check_type": "Weighing",
        "plate": "Plate",
        "plate_colour": "Plate colour",
        "plate_source": "Plate source",
        "axle_type": "Axle type",
        "axle_type.value": "{code} ({count} axles)",
        "weigh_mode": "Weigh mode",
        "speed": "Speed",
        "axle.no": "Axle",
        "axle.group": "Axle group",
        "axle.weight": "Weight (kg)",
        "axle.spacing": "Spacing (mm)",
        "gross": "Gross mass",
        "limit": "Limit",
        "rule": "Limit rule",
        "over_kg": "Over",
        "over_rate": "Over rate",
        "verdict.over": "OVER LIMIT",
        "verdict.ok": "WITHIN LIMIT",
        "scale": "Scale",
        "cert": "Certificate",
        "cert.value": "{no} (valid until {date})",
        "calibration": "Calibrations",
        "operator": "Operator",
        "flags": "Flags",
        "none": "none",
        "record_hash": "Record hash",
        "chain.seq": "Chain seq",
        "chain.broken": "HASH CHAIN CHECK FAILED",
        "notice_no": "Notice no.",
        "unload_kg": "To unload",
        "pictures.skipped": "Photos not shown",
        "picture.missing": "file missing",
        "picture.mismatch": "checksum mismatch",
        "picture.unreadable": "unreadable",
        "sign.operator": "Operator signature",
        "sign.driver": "Driver signature",
        "stamp.copy": "COPY 副本",
        "stamp.void": "VOID 已作废",
        "voided": "VOID",
        "void_reason": "Reason",
        "page": "Page {n}",
        "notice.title": "Notice to unload an over-limit vehicle",
        "notice.no": "No.",
        "party": "Party",
        "vehicle": "Vehicle",
        "vehicle.value": "{plate} ({colour} plate, {axles} axles)",
        "cargo": "Cargo",
        "place": "Place",
        "place.value": "{station}, lane {lane}",
        "unload": "To unload",
        "deadline": "Deadline",
        "deadline.value": "by {time}",
        "issuer": "Station",
        "seal": "(seal)",
        "issue_date": "Date",
        "officer": "Enforcement officer",
        "officer_cert": "Certificate no.",
        "sign.party": "Party signature",
        "date_blank": "____-____-____",
        "service": "Service",
        "service.time": "Time of service",
        "service.time_blank": "____-____-____  ____:____",
        "service.method": "Manner of service",
        "service.methods": "□ in person    □ left at the scene    □ other ____________",
        "service.recipient": "Recipient signature",
        "service.server": "Served by",
        "sheet.title": "Weighing and unloading sheet",
        "sheet.subtitle": "(joint road and traffic-police enforcement)",
        "sheet.no": "No.",
        "sheet.station": "Station",
        "sheet.police": "Traffic police brigade",
        "sheet.detect_date": "Weighing date",
        "sheet.handle_date": "Handling date",
        "sheet.first": "First weighing",
        "sheet.reweigh": "Re-weighing",
        "sheet.not_reweighed": "not re-weighed",
        "sheet.unloaded": "Unloaded",
        "sheet.within": "Within the limit",
        "sheet.yes": "yes",
        "sheet.no_over": "no (still over)",
        "sheet.result": "Outcome",
        "sheet.results": "□ unloaded, released  □ handed to traffic police  □ other ____________",
        "sheet.officer1": "Officer 1",
        "sheet.officer2": "Officer 2",
        "sheet.driver": "Driver signature",
    },
}

# Code tables: the upload enumerations (province-api.md §3.1), one internal meaning each.
CODES: dict[str, dict[str, dict[int | str, str]]] = {
    "plate_colour": {
        "zh_CN": {
            0: "蓝",
            1: "黄",
            2: "黑",
            3: "白",
            4: "渐变绿",
            5: "黄绿",
            6: "蓝白",
            9: "未知",
            11: "绿",
            12: "红",
        },
        "en": {
            0: "blue",
            1: "yellow",
            2: "black",
            3: "white",
            4: "gradient green",
            5: "yellow-green",
            6: "blue-white",
            9: "unknown",
            11: "green",
            12: "red",
        },
    },
    "check_type": {
        "zh_CN": {1: "初检", 2: "复检"},
        "en": {1: "first weighing", 2: "re-weighing"},
    },
    "direction": {
        "zh_CN": {0: "上行", 1: "下行"},
        "en": {0: "up", 1: "down"},
    },
    "plate_source": {
        "zh_CN": {"ANPR": "自动识别", "OPERATOR": "人工录入"},
        "en": {"ANPR": "camera", "OPERATOR": "typed by operator"},
    },
    "weigh_mode": {
        "zh_CN": {"STATIC": "静态整车", "AXLE": "轴重秤", "WIM": "动态称重"},
        "en": {"STATIC": "static platform", "AXLE": "axle scale", "WIM": "weigh-in-motion"},
    },
    "axle_group": {
        "zh_CN": {
            1: "单轴单胎",
            2: "单轴双胎",
            3: "双联轴单胎",
            4: "双联轴单双胎",
            5: "双联轴双胎",
            6: "三联轴单胎",
            7: "三联轴双胎",
        },
        "en": {
            1: "single, single tyres",
            2: "single, dual tyres",
            3: "tandem, single tyres",
            4: "tandem, single+dual",
            5: "tandem, dual tyres",
            6: "tridem, single tyres",
            7: "tridem, dual tyres",
        },
    },
    "picture": {
        "zh_CN": {11: "车牌", 12: "车头", 13: "车尾", 14: "前侧", 15: "后侧"},
        "en": {11: "plate", 12: "front", 13: "rear", 14: "front side", 15: "rear side"},
    },
    # Anomaly flags raised by drivers and the lane workflow (drivers/axle_scale.py Flag,
    # station/lanes/capture.py, station/lanes/workflow.py).
    "flag": {
        "zh_CN": {
            "SPEED_CHANGE": "车速变化",
            "STOPPED": "中途停车",
            "REVERSED": "倒车",
            "FOLLOWING_VEHICLE": "跟车",
            "TWO_VEHICLES": "疑似多车上磅",
            "PARTIAL_ON_PLATFORM": "未完全上秤",
            "NO_RETURN_TO_ZERO": "秤未回零",
            "UNSTABLE": "读数不稳",
            "MANUAL_PLATE": "人工录入车牌",
            "MANUAL_WEIGHT": "人工录入重量",
            "NO_PLATE": "车牌未识别",
            "AXLES_ASSUMED": "轴型为推定",
            "WATCHLIST": "布控车辆",
            "NO_CERTIFICATE": "无检定证书",
            "CERT_EXPIRED": "检定已过期",
            "NO_SCALE_CHECK": "当日未校秤",
            "SEAL_OPEN": "铅封已打开",
            "CALIBRATION_CHANGED": "标定系数已变更",
        },
        "en": {
            "SPEED_CHANGE": "speed change",
            "STOPPED": "stopped on scale",
            "REVERSED": "reversed",
            "FOLLOWING_VEHICLE": "following vehicle",
            "TWO_VEHICLES": "two vehicles",
            "PARTIAL_ON_PLATFORM": "partly on platform",
            "NO_RETURN_TO_ZERO": "no return to zero",
            "UNSTABLE": "unstable reading",
            "MANUAL_PLATE": "plate typed",
            "MANUAL_WEIGHT": "weight typed",
            "NO_PLATE": "plate not read",
            "AXLES_ASSUMED": "axles assumed",
            "WATCHLIST": "watchlist",
            "NO_CERTIFICATE": "no verification cert.",
            "CERT_EXPIRED": "cert. expired",
            "NO_SCALE_CHECK": "scale not checked today",
            "SEAL_OPEN": "calibration seal open",
            "CALIBRATION_CHANGED": "calibration changed",
        },
    },
}

_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "zh_hans": "zh_CN", "en": "en"}


def normalise_language(language: str) -> str:
    """Map "zh", "zh-CN", "en_US", ... onto a table; refuse a language there is no table for."""
    key = language.strip().lower()
    if key.startswith("en"):
        return "en"
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"no document labels for language {language!r}; use 'zh_CN' or 'en'")


@dataclass(frozen=True, slots=True)
class Texts:
    """The labels of one language, with Chinese as the fallback for a missing key."""

    language: str

    def __getitem__(self, key: str) -> str:
        own = LABELS[self.language].get(key)
        return own if own is not None else LABELS[DEFAULT_LANGUAGE][key]

    def format(self, key: str, **values: object) -> str:
        return self[key].format(**values)

    def field(self, key: str, value: object) -> str:
        """ "label：value" with the language's own colon."""
        return f"{self[key]}{self['colon']}{value}"

    def join(self, items: list[str]) -> str:
        return self["list_sep"].join(items)

    def code(self, table: str, code: int | str) -> str:
        """Short name of a code; an unknown code is printed as it is, never guessed."""
        names = CODES[table].get(self.language) or CODES[table][DEFAULT_LANGUAGE]
        return names.get(code, str(code))


def texts_for(language: str) -> Texts:
    return Texts(normalise_language(language))

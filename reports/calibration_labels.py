"""Labels of the calibration / verification records (秤台检定/校准记录, and the dynamic axle
scale's reference-vehicle check, keys "dyn.*"), per language, as data.

Kept apart from reports/labels.py so the weighing documents' tables stay as they are; a key
missing here falls back to those tables (page number, copy stamp), and then to Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.labels import DEFAULT_LANGUAGE, Texts, normalise_language

CALIBRATION_LABELS: dict[str, dict[str, str]] = {
    "zh_CN": {
        "cal.title": "秤台检定/校准记录",
        "cal.station": "检测站",
        "cal.station.value": "{name}（站点编号 {code}）",
        "cal.scale": "秤台编号",
        "cal.model": "型号",
        "cal.max": "最大秤量 Max",
        "cal.e": "检定分度值 e",
        "cal.class": "准确度等级",
        "cal.kind": "检定类别",
        "cal.kind.initial": "首次检定",
        "cal.kind.in_service": "使用中检验",
        "cal.started": "开始时间",
        "cal.finished": "结束时间",
        "cal.technician": "检定/校准人员",
        "cal.counter": "标定计数（前→后）",
        "cal.certificate": "检定证书编号",
        "cal.weights": "一、标准砝码",
        "cal.set_id": "砝码组编号",
        "cal.weight_class": "等级",
        "cal.weight_cert": "证书编号",
        "cal.valid_until": "有效期至",
        "cal.as_found": "二、调整前（原始状态）",
        "cal.as_left": "三、调整后（交付状态）",
        "cal.test": "检定项目",
        "cal.load": "载荷 (kg)",
        "cal.indication": "示值 (kg)",
        "cal.error": "误差 (kg)",
        "cal.mpe": "最大允许误差 (kg)",
        "cal.verdict": "结论",
        "cal.pass": "合格",
        "cal.fail": "不合格",
        "cal.no_points": "无记录",
        "cal.result": "四、检定结论",
        "cal.notes": "备注",
        "cal.sign.technician": "检定/校准人员",
        "cal.sign.checker": "核验人员",
        "cal.sign.date": "日期",
        "test.zero": "零点",
        "test.span": "量程",
        "test.linearity-up": "称量（加载）",
        "test.linearity-down": "称量（卸载）",
        "test.eccentric": "偏载 {n}",
        "test.repeatability": "重复性",
        "test.discrimination": "鉴别力",
        # The reference-vehicle check of a dynamic axle scale (reports/calibration_dynamic.py).
        "dyn.title": "动态轴重秤检定/校准记录（参考车辆法）",
        "dyn.d": "分度值 d",
        "dyn.vehicle_class": "整车准确度等级",
        "dyn.axle_class": "轴荷准确度等级",
        "dyn.reference": "轴荷比较基准",
        "dyn.reference.corrected_mean": "各次通过的修正平均值（R 134）",
        "dyn.reference.static": "静态轴荷",
        "dyn.counter": "标定计数",
        "dyn.vehicle": "参考车辆",
        "dyn.rigid": "两轴刚性车辆",
        "dyn.rigid.yes": "是",
        "dyn.rigid.no": "否",
        "dyn.static": "一、参考车辆静态称量",
        "dyn.axle": "轴",
        "dyn.axle_n": "第{n}轴",
        "dyn.group_of": "轴组 {axles}",
        "dyn.gross": "整车",
        "dyn.gross.head": "整车",
        "dyn.axle.head": "第{n}轴",
        "dyn.static_load": "静态载荷 (kg)",
        "dyn.groups": "轴组",
        "dyn.groups.none": "无（均为单轴）",
        "dyn.passes": "二、动态通过",
        "dyn.pass": "通过次序",
        "dyn.speed": "车速 (km/h)",
        "dyn.items": "三、检定结果",
        "dyn.item": "项目",
        "dyn.reading": "示值 (kg)",
        "dyn.reference_value": "参考值 (kg)",
        "dyn.deviation": "偏差 (kg)",
        "dyn.limit": "允许误差 (kg)",
        "dyn.summary.pass": "全部 {total} 项合格",
        "dyn.summary.fail": "{total} 项中 {failed} 项不合格",
        "dyn.result": "四、检定结论",
    },
    "en": {
        "cal.title": "Scale verification / calibration record",
        "cal.station": "Station",
        "cal.station.value": "{name} (site {code})",
        "cal.scale": "Scale",
        "cal.model": "Model",
        "cal.max": "Max",
        "cal.e": "Verification interval e",
        "cal.class": "Accuracy class",
        "cal.kind": "Verification",
        "cal.kind.initial": "initial",
        "cal.kind.in_service": "in service",
        "cal.started": "Started",
        "cal.finished": "Finished",
        "cal.technician": "Technician",
        "cal.counter": "Calibration counter (before → after)",
        "cal.certificate": "Certificate no.",
        "cal.weights": "1. Test weights",
        "cal.set_id": "Weight set",
        "cal.weight_class": "Class",
        "cal.weight_cert": "Certificate no.",
        "cal.valid_until": "Valid until",
        "cal.as_found": "2. As found (before adjustment)",
        "cal.as_left": "3. As left (after adjustment)",
        "cal.test": "Test",
        "cal.load": "Load (kg)",
        "cal.indication": "Indication (kg)",
        "cal.error": "Error (kg)",
        "cal.mpe": "MPE (kg)",
        "cal.verdict": "Result",
        "cal.pass": "pass",
        "cal.fail": "FAIL",
        "cal.no_points": "none recorded",
        "cal.result": "4. Conclusion",
        "cal.notes": "Notes",
        "cal.sign.technician": "Technician",
        "cal.sign.checker": "Checked by",
        "cal.sign.date": "Date",
        "test.zero": "zero",
        "test.span": "span",
        "test.linearity-up": "weighing (up)",
        "test.linearity-down": "weighing (down)",
        "test.eccentric": "eccentric {n}",
        "test.repeatability": "repeatability",
        "test.discrimination": "discrimination",
        "dyn.title": "Dynamic axle scale verification record (reference vehicle)",
        "dyn.d": "Scale interval d",
        "dyn.vehicle_class": "Vehicle mass class",
        "dyn.axle_class": "Axle load class",
        "dyn.reference": "Axles compared with",
        "dyn.reference.corrected_mean": "corrected mean of the passes (R 134)",
        "dyn.reference.static": "static axle loads",
        "dyn.counter": "Calibration counter",
        "dyn.vehicle": "Reference vehicle",
        "dyn.rigid": "2-axle rigid vehicle",
        "dyn.rigid.yes": "yes",
        "dyn.rigid.no": "no",
        "dyn.static": "1. Static weighing of the reference vehicle",
        "dyn.axle": "Axle",
        "dyn.axle_n": "axle {n}",
        "dyn.group_of": "group {axles}",
        "dyn.gross": "gross",
        "dyn.gross.head": "Gross",
        "dyn.axle.head": "Axle {n}",
        "dyn.static_load": "Static load (kg)",
        "dyn.groups": "Axle groups",
        "dyn.groups.none": "none (single axles)",
        "dyn.passes": "2. Passes",
        "dyn.pass": "Pass",
        "dyn.speed": "Speed (km/h)",
        "dyn.items": "3. Results",
        "dyn.item": "Item",
        "dyn.reading": "Reading (kg)",
        "dyn.reference_value": "Reference (kg)",
        "dyn.deviation": "Deviation (kg)",
        "dyn.limit": "Limit (kg)",
        "dyn.summary.pass": "all {total} items pass",
        "dyn.summary.fail": "{failed} of {total} items fail",
        "dyn.result": "4. Conclusion",
    },
}


@dataclass(frozen=True, slots=True)
class CalibrationTexts(Texts):
    """The calibration labels first, then the document labels, then Chinese."""

    def __getitem__(self, key: str) -> str:
        for labels in (CALIBRATION_LABELS[self.language], CALIBRATION_LABELS[DEFAULT_LANGUAGE]):
            if key in labels:
                return labels[key]
        return Texts.__getitem__(self, key)

    def item_name(self, item: str) -> str:
        """A dynamic check's item: "gross", "axle 3" or "group 2+3"; unknown items raw."""
        kind, _, numbers = item.partition(" ")
        if kind == "gross" and not numbers:
            return self["dyn.gross"]
        if kind == "axle" and numbers.isdigit():
            return self.format("dyn.axle_n", n=numbers)
        if kind == "group" and numbers:
            return self.format("dyn.group_of", axles=numbers)
        return item

    def test_name(self, test: str) -> str:
        """A test's name; "eccentric-3" is the third eccentric position, unknown tests raw."""
        base, _, number = test.partition("-")
        if base == "eccentric":
            return self.format("test.eccentric", n=number).strip()
        key = f"test.{test}"
        known = key in CALIBRATION_LABELS[DEFAULT_LANGUAGE]
        return self[key] if known else test


def calibration_texts(language: str) -> CalibrationTexts:
    return CalibrationTexts(normalise_language(language))

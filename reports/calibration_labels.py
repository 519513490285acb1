"""Labels of the calibration / verification record (秤台检定/校准记录), per language, as data.

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

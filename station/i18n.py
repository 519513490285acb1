"""Messages in the operators' language (Chinese by default) and English.

A deliberately small catalogue for the headless commands; the desktop uses Qt's own
translation files.
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "zh_CN"

MESSAGES: dict[str, dict[str, str]] = {
    "demo.station": {
        "zh_CN": "演示检测站 {name} ({code}), 数据目录 {folder}",
        "en": "Demo station {name} ({code}), data folder {folder}",
    },
    "demo.admin": {
        "zh_CN": "首次运行: 已创建管理员 admin, 一次性密码 {password} (首次登录须修改)",
        "en": "First run: created login admin, one-time password {password} "
        "(change it at first login)",
    },
    "demo.header": {
        "zh_CN": "检测单号                   车牌        总重    限值    超限    超限率"
        "   处理  车型规则",
        "en": "Ticket number              Plate      Gross   Limit    Over    Rate    Action  Rule",
    },
    "demo.summary": {
        "zh_CN": "哈希链校验: {records} 条记录, {pictures} 张图片, {state}",
        "en": "Hash chain check: {records} records, {pictures} pictures, {state}",
    },
    "demo.intact": {"zh_CN": "完整", "en": "intact"},
    "demo.broken": {"zh_CN": "异常, 首个问题序号 {seq}", "en": "BROKEN, first bad seq {seq}"},
    "demo.again": {"zh_CN": "再次校验: {command}", "en": "Verify again: {command}"},
    "action.NONE": {"zh_CN": "放行", "en": "release"},
    "action.WARNING": {"zh_CN": "警告·卸载", "en": "warn+unload"},
    "action.FINE": {"zh_CN": "罚款·卸载", "en": "fine+unload"},
    "unit.yuan": {"zh_CN": "{amount}元", "en": "{amount} yuan"},
}


def tr(key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """Return the message in `language` (falling back to Chinese), formatted with values."""
    texts = MESSAGES[key]
    return texts.get(language, texts[DEFAULT_LANGUAGE]).format(**values)

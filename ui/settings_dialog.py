"""Settings: inspector name and unit, district, default checklist, data directory, language,
report font.

The data directory is written to the settings only when the user changes it here; the dialog
shows which directory is in use and why (argument > environment > settings > default: the
same rule as the command line's).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.datadir import (
    ARGUMENT,
    ENV_DATA_DIR,
    ENVIRONMENT,
    SETTINGS_KEY,
    DataDirChoice,
    choose_data_dir,
    default_data_dir,
)
from inspector.core.store import Store
from inspector.domain import templates
from inspector.domain.districts import NINGBO_DISTRICTS
from ui.i18n import language, tr
from ui.settings import Settings


class SettingsDialog(QDialog):
    saved = Signal()

    def __init__(self, store: Store, settings: Settings, parent: QWidget | None = None, *,
                 data_choice: DataDirChoice | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("settingsDialog")
        self.setMinimumWidth(560)
        self.settings = settings
        self.data_choice = data_choice or choose_data_dir()
        self.inspector_name = QLineEdit(settings.get("inspector_name"), self)
        self.inspector_name.setObjectName("inspectorName")
        self.unit = QLineEdit(settings.get("inspector_unit"), self)
        self.unit.setObjectName("inspectorUnit")
        self.district = QComboBox(self)
        self.district.setObjectName("districtCombo")
        self.district.addItem("", "")
        for name in NINGBO_DISTRICTS:
            self.district.addItem(name, name)
        self.district.setCurrentIndex(max(0, self.district.findData(settings.get("district"))))
        self.template = QComboBox(self)
        self.template.setObjectName("defaultTemplate")
        for row in templates.list_installed(store):
            self.template.addItem(f"{row['title']}（v{row['version']}）", row["id"])
        found = self.template.findData(settings.get("default_template"))
        if found >= 0:
            self.template.setCurrentIndex(found)
        self.shown_data_dir = str(store.data_dir)
        self.data_dir = QLineEdit(self.shown_data_dir, self)
        self.data_dir.setObjectName("dataDir")
        self.data_source = QLabel(self)
        self.data_source.setObjectName("dataDirSource")
        self.data_source.setWordWrap(True)
        self.data_source.setStyleSheet("color: #555;")
        self.data_dir_button = QPushButton(self)
        self.data_dir_button.clicked.connect(self._choose_data_dir)
        self.language = QComboBox(self)
        self.language.setObjectName("languageCombo")
        self.language.addItem("中文", "zh")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(1 if language.current() == "en" else 0)
        self.font_path = QLineEdit(settings.get("report_font_path"), self)
        self.font_path.setObjectName("reportFont")
        self.font_button = QPushButton(self)
        self.font_button.clicked.connect(self._choose_font)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #666;")

        data_row = QHBoxLayout()
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(self.data_dir_button)
        font_row = QHBoxLayout()
        font_row.addWidget(self.font_path, 1)
        font_row.addWidget(self.font_button)
        self.form = QFormLayout()
        self.form.addRow("name", self.inspector_name)
        self.form.addRow("unit", self.unit)
        self.form.addRow("district", self.district)
        self.form.addRow("template", self.template)
        self.form.addRow("data", data_row)
        self.form.addRow("", self.data_source)
        self.form.addRow("language", self.language)
        self.form.addRow("font", font_row)
        # Team settings that sync (the office that issues notices): stored in the database.
        from inspector.domain import config

        self.issuer = {key: QLineEdit(config.get(store, f"issuer.{key}") or "", self)
                       for key in ("name", "prefix", "contact", "phone")}
        for key, edit in self.issuer.items():
            self.form.addRow(key, edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.retranslate()
        language.changed.connect(self.retranslate)

    def _choose_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("选择数据目录", "Choose the data "
                                                        "directory"), self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    def _choose_font(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, tr("选择报告字体", "Choose the report font"), self.font_path.text(),
            tr("TrueType 字体 (*.ttf *.ttc)", "TrueType fonts (*.ttf *.ttc)"))
        if path:
            self.font_path.setText(path)

    def data_dir_changed(self) -> bool:
        return self.data_dir.text().strip() != self.shown_data_dir

    def accept(self) -> None:
        from inspector.core.errors import InspectorError
        from inspector.domain import config

        try:
            with self.store.write():  # all issuer settings or none
                for key, edit in self.issuer.items():
                    value = edit.text().strip()
                    if value != (config.get(self.store, f"issuer.{key}") or ""):
                        config.set_value(self.store, f"issuer.{key}", value or None)
        except InspectorError as exc:
            from ui import errors

            errors.show_error(self, str(exc))
            return
        self.settings.set("inspector_name", self.inspector_name.text().strip())
        self.settings.set("inspector_unit", self.unit.text().strip())
        self.settings.set("district", str(self.district.currentData() or ""))
        self.settings.set("default_template", str(self.template.currentData() or ""))
        if self.data_dir_changed():  # only a directory the user chose is pinned
            chosen = self.data_dir.text().strip()
            if not chosen or chosen == str(default_data_dir()):
                self.settings.remove(SETTINGS_KEY)
            else:
                self.settings.set(SETTINGS_KEY, chosen)
        self.settings.set("report_font_path", self.font_path.text().strip())
        chosen = str(self.language.currentData())
        self.settings.set("language", chosen)
        self.saved.emit()
        super().accept()
        language.set(chosen)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("设置", "Settings"))
        labels = [tr("检查人员姓名", "Inspector name"), tr("单位", "Unit"),
                  tr("所在区县(市)", "District"), tr("默认检查表", "Default checklist"),
                  tr("数据目录", "Data directory"), "", tr("界面语言", "Language"),
                  tr("报告字体（TrueType）", "Report font (TrueType)"),
                  tr("发文机关", "Issuing office"), tr("文号前缀", "Number prefix"),
                  tr("联系人", "Contact person"), tr("联系电话", "Contact phone")]
        for row, text in enumerate(labels):
            item = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if item is not None and isinstance(item.widget(), QLabel):
                item.widget().setText(text)  # type: ignore[union-attr]
        self.data_dir_button.setText(tr("浏览…", "Browse…"))
        self.font_button.setText(tr("浏览…", "Browse…"))
        self.unit.setPlaceholderText(tr("如：海曙区住建局", "e.g. Haishu housing bureau"))
        source = self.data_choice.describe()
        self.data_source.setText(tr(
            "当前使用：{d}（{s}）。优先顺序：启动参数 --data-dir ＞ 环境变量 {e} ＞ 本设置 ＞ "
            "本机默认位置；命令行 inspector 按同样顺序选择。",
            "In use: {d} ({s}). Precedence: the --data-dir argument > the {e} environment "
            "variable > this setting > this computer's default; the inspector command line "
            "chooses the same way.", d=self.data_choice.path, s=source, e=ENV_DATA_DIR))
        overridden = self.data_choice.source in (ARGUMENT, ENVIRONMENT)
        self.note.setText(tr("更换数据目录在下次启动时生效。数据目录不能放在同步文件夹里。",
                             "A new data directory takes effect at the next start. It must not "
                             "be inside a synced folder.") + (tr(
            "（当前由启动参数或环境变量指定，本设置暂不生效。）",
            " (The argument or environment variable given now wins over this setting.)")
            if overridden else ""))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存", "Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消", "Cancel"))

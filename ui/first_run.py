"""The first-run assistant: who is inspecting, where the data lives, and what to start with.

Shown when the data directory is empty or no inspector's name was ever given (so the audit
trail never records an operating-system account). It asks the inspector's name (required),
unit and district; the data directory (kept in the settings only if changed, and read-only
when the --data-dir argument or INSPECTOR_DATA_DIR chose it); then, for an empty directory,
whether to load the demo data, import a community list, or start empty. Cancelling leaves
everything as it was; the main window still offers the import and the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from inspector.core.datadir import (
    ARGUMENT,
    ENVIRONMENT,
    SETTINGS,
    SETTINGS_KEY,
    DataDirChoice,
    default_data_dir,
)
from inspector.core.store import DB_NAME
from inspector.domain.districts import NINGBO_DISTRICTS
from ui import errors
from ui.i18n import tr
from ui.settings import Settings

DEMO, IMPORT, EMPTY, KEEP = "demo", "import", "empty", "keep"


@dataclass(frozen=True)
class FirstRunAnswers:
    name: str
    unit: str
    district: str
    data_dir: Path
    data_dir_changed: bool
    start: str  # demo / import / empty, or keep (the directory already holds data)


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555;")
    return label


class _PersonPage(QWizardPage):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.setObjectName("personPage")
        self.setTitle(tr("欢迎使用绿色社区巡查", "Welcome to the Green Community Inspector"))
        self.setSubTitle(tr("您的姓名会记入每一次修改（修改记录即审计记录），并作为检查人员的默认值。",
                            "Your name goes into every change you make (the change log is the "
                            "audit trail) and is the default inspector."))
        self.name = QLineEdit(settings.inspector_name)
        self.name.setObjectName("firstRunName")
        self.name.setPlaceholderText(tr("如：王建国", "e.g. Wang Jianguo"))
        self.unit = QLineEdit(settings.get("inspector_unit"))
        self.unit.setObjectName("firstRunUnit")
        self.unit.setPlaceholderText(tr("如：海曙区住房和城乡建设局", "e.g. Haishu housing bureau"))
        self.district = QComboBox()
        self.district.setObjectName("firstRunDistrict")
        self.district.addItem(tr("（不限）", "(any)"), "")
        for name in NINGBO_DISTRICTS:
            self.district.addItem(name, name)
        self.district.setCurrentIndex(max(0, self.district.findData(settings.get("district"))))
        form = QFormLayout(self)
        form.addRow(tr("姓名（必填）：", "Name (required):"), self.name)
        form.addRow(tr("单位：", "Unit:"), self.unit)
        form.addRow(tr("所在区县(市)：", "District:"), self.district)
        form.addRow(_hint(tr("区县用于在社区列表中先展开您负责的区域，可随时在“设置”中修改。",
                             "The district opens your area first in the community list; "
                             "change it any time in Settings.")))

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        if not self.name.text().strip():
            errors.show_error(self, tr("请填写您的姓名：它会记入每一次修改。",
                                       "Please give your name: it goes into every change."))
            return False
        return True


class _DataPage(QWizardPage):
    def __init__(self, choice: DataDirChoice) -> None:
        super().__init__()
        self.setObjectName("dataPage")
        self.choice = choice
        self.setTitle(tr("数据目录", "Data directory"))
        self.setSubTitle(tr("检查、照片原件和报告保存在这里。请选本机的目录：不要放在网盘或同步文件夹里。",
                            "Inspections, photo originals and reports are kept here. Choose a "
                            "folder on this computer, not in a cloud or synced folder."))
        self.path = QLineEdit(str(choice.path))
        self.path.setObjectName("firstRunDataDir")
        self.browse = QPushButton(tr("浏览…", "Browse…"))
        self.browse.clicked.connect(self._choose)
        fixed = choice.source in (ARGUMENT, ENVIRONMENT)
        self.path.setReadOnly(fixed)
        self.browse.setEnabled(not fixed)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        note = tr("当前：{s}。", "Now: {s}.", s=choice.describe())
        if fixed:
            note += tr("它优先于设置，这里不能更改。", " It wins over the settings and cannot be "
                       "changed here.")
        else:
            note += tr("只有在这里改了目录，才会写入设置；命令行 inspector 也使用同一设置。",
                       " Only a directory changed here is written to the settings; the "
                       "inspector command line follows the same settings.")
        self.note = _hint(note)
        self.note.setObjectName("firstRunDataNote")
        layout.addWidget(self.note)
        layout.addStretch(1)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("选择数据目录", "Choose the data "
                                                        "directory"), self.path.text())
        if folder:
            self.path.setText(folder)

    def chosen(self) -> Path:
        text = self.path.text().strip()
        return Path(text).expanduser() if text else self.choice.path

    def changed(self) -> bool:
        return self.chosen().resolve() != self.choice.path


class _StartPage(QWizardPage):
    def __init__(self, empty: bool) -> None:
        super().__init__()
        self.setObjectName("startPage")
        self.setTitle(tr("从哪里开始", "How to start"))
        self.setSubTitle(tr("社区名单是检查的起点：每次检查都针对名单中的一个社区。",
                            "The community list is where inspections start: each inspection "
                            "is of one community on it."))
        self.empty = empty
        self.demo = QRadioButton(tr("装入演示数据（示例社区、检查和问题，可随时换用新目录）",
                                    "Load the demo data (sample communities, inspections and "
                                    "findings; use a fresh directory later)"))
        self.demo.setObjectName("startDemo")
        self.registry = QRadioButton(tr("导入社区名单（CSV）：先预览，再导入",
                                        "Import a community list (CSV): preview, then import"))
        self.registry.setObjectName("startImport")
        self.blank = QRadioButton(tr("先不导入，空白开始（以后可在“文件 → 导入社区名单…”导入）",
                                     "Start empty (import later from File → Import a "
                                     "community list…)"))
        self.blank.setObjectName("startEmpty")
        self.group = QButtonGroup(self)
        for button in (self.demo, self.registry, self.blank):
            self.group.addButton(button)
        self.registry.setChecked(True)
        self.has_data = _hint()
        self.has_data.setObjectName("startHasData")
        layout = QVBoxLayout(self)
        for button in (self.registry, self.demo, self.blank):
            layout.addWidget(button)
        layout.addWidget(self.has_data)
        layout.addStretch(1)

    def show_for(self, empty: bool, folder: Path) -> None:
        self.empty = empty
        for button in (self.demo, self.registry, self.blank):
            button.setVisible(empty)
        self.has_data.setVisible(not empty)
        self.has_data.setText(tr("数据目录 {d} 已有数据，将直接打开。",
                                 "The data directory {d} already holds data; it opens as it is.",
                                 d=folder))

    def start(self) -> str:
        if not self.empty:
            return KEEP
        if self.demo.isChecked():
            return DEMO
        if self.registry.isChecked():
            return IMPORT
        return EMPTY


class FirstRunWizard(QWizard):
    """Callers use ``open()`` (or ``exec()`` at start-up) and read ``answers()``."""

    def __init__(self, settings: Settings, choice: DataDirChoice, *, empty: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWindowTitle(tr("绿色社区巡查 — 首次使用", "Green Community Inspector — first run"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.settings = settings
        self.choice = choice
        self.empty = empty
        self.person = _PersonPage(settings)
        self.data = _DataPage(choice)
        self.begin = _StartPage(empty)
        for page in (self.person, self.data, self.begin):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.NextButton, tr("下一步 >", "Next >"))
        self.setButtonText(QWizard.WizardButton.BackButton, tr("< 上一步", "< Back"))
        self.setButtonText(QWizard.WizardButton.FinishButton, tr("开始", "Start"))
        self.setButtonText(QWizard.WizardButton.CancelButton, tr("取消", "Cancel"))
        self.currentIdChanged.connect(self._page_shown)
        self.resize(640, 420)

    def _page_shown(self, _page_id: int) -> None:
        if self.currentPage() is self.begin:
            folder = self.data.chosen()
            empty = self.empty if not self.data.changed() else not (folder / DB_NAME).exists()
            self.begin.show_for(empty, folder)

    def answers(self) -> FirstRunAnswers:
        folder = self.data.chosen()
        if self.currentPage() is not self.begin:
            self._page_shown(0)
        return FirstRunAnswers(
            name=self.person.name.text().strip(), unit=self.person.unit.text().strip(),
            district=str(self.person.district.currentData() or ""),
            data_dir=folder.resolve(), data_dir_changed=self.data.changed(),
            start=self.begin.start())

    def save(self) -> FirstRunAnswers:
        """Write the answers to the settings (the data directory only if it was changed)."""
        answers = self.answers()
        self.settings.set("inspector_name", answers.name)
        self.settings.set("inspector_unit", answers.unit)
        self.settings.set("district", answers.district)
        if answers.data_dir_changed:
            if answers.data_dir == default_data_dir():
                self.settings.remove(SETTINGS_KEY)
            else:
                self.settings.set(SETTINGS_KEY, str(answers.data_dir))
        return answers

    def new_choice(self) -> DataDirChoice:
        answers = self.answers()
        if not answers.data_dir_changed:
            return self.choice
        return DataDirChoice(answers.data_dir, SETTINGS)

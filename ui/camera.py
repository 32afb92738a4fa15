"""An attached camera: whether there is one (asked once, late), and a dialog that takes photos."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ui import errors
from ui.i18n import language, tr

# Whether a camera is attached: None until first asked. Asking loads Qt Multimedia and its
# backend (~130 ms on the GUI thread, where Qt Multimedia must live), so it is asked when the
# camera button is first pressed — not when a strip is shown, which would stop the GUI as the
# first inspection opens. Until then the button is offered; a press that finds no camera
# says so and hides it for the rest of the session.
_camera: bool | None = None


def camera_known() -> bool | None:
    """What ``camera_available`` found, or None before it was first asked."""
    return _camera


def camera_available() -> bool:
    """Whether a camera is attached (False when Qt Multimedia cannot be loaded at all)."""
    global _camera
    if _camera is None:
        try:
            from PySide6.QtMultimedia import QMediaDevices
        except ImportError:  # e.g. no PulseAudio library on this machine: no camera either
            _camera = False
        else:
            _camera = bool(QMediaDevices.videoInputs())
    return _camera


class CameraDialog(QDialog):
    """Take photos with an attached camera; each saved picture is announced by ``captured``."""

    captured = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtMultimedia import (
            QCamera,
            QImageCapture,
            QMediaCaptureSession,
            QMediaDevices,
        )
        from PySide6.QtMultimediaWidgets import QVideoWidget

        super().__init__(parent)
        self.setObjectName("cameraDialog")
        self.folder = Path(tempfile.mkdtemp(prefix="inspector-camera-"))
        self.camera = QCamera(QMediaDevices.defaultVideoInput(), self)
        self.session = QMediaCaptureSession(self)
        self.capture = QImageCapture(self)
        self.video = QVideoWidget(self)
        self.video.setMinimumSize(480, 360)
        self.session.setCamera(self.camera)
        self.session.setImageCapture(self.capture)
        self.session.setVideoOutput(self.video)
        self.status = QLabel(self)
        self.shoot_button = QPushButton(self)
        self.shoot_button.setObjectName("shootButton")
        self.shoot_button.setDefault(True)
        self.shoot_button.clicked.connect(self.shoot)
        self.shoot_button.setEnabled(self.capture.isReadyForCapture())
        self.capture.readyForCaptureChanged.connect(self.shoot_button.setEnabled)
        self.capture.imageSaved.connect(self._saved)
        self.capture.errorOccurred.connect(self._capture_error)
        self.camera.errorOccurred.connect(self._camera_error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.shoot_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.video, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.taken = 0
        self.retranslate()
        language.changed.connect(self.retranslate)
        self.camera.start()

    def shoot(self) -> None:
        name = datetime.now().strftime("camera-%Y%m%d-%H%M%S-%f.jpg")
        self.capture.captureToFile(str(self.folder / name))

    def _saved(self, _id: int, file_name: str) -> None:
        self.taken += 1
        self.status.setText(tr("已拍 {n} 张，正在导入…", "{n} taken, importing…", n=self.taken))
        self.captured.emit(file_name)

    def _capture_error(self, _id: int, _error: object, message: str) -> None:
        errors.show_error(self, tr("拍照失败：{e}", "Could not take the photo: {e}", e=message))

    def _camera_error(self, _error: object, message: str) -> None:
        errors.show_error(self, tr("相机出错：{e}", "Camera error: {e}", e=message))

    def done(self, result: int) -> None:
        self.camera.stop()
        try:
            self.folder.rmdir()  # empty once every picture was imported (and deleted)
        except OSError:
            pass
        super().done(result)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("拍照", "Camera"))
        self.shoot_button.setText(tr("拍照", "Take photo"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(tr("关闭", "Close"))
        if not self.taken:
            self.status.setText(tr("拍下的照片会立即导入到这里。",
                                   "Each photo taken is imported here at once."))

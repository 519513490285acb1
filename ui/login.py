"""Login, password change, the supervisor's approval, and the lock screen.

Password checks hash with scrypt and write audit events, so they run through `Tasks`;
the dialogs stay responsive and show "checking..." meanwhile. A failed login shows one
generic message (the audit log keeps the real reason).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from station.security import LoginPolicy, Permission, allowed
from station.storage.accounts import LoginRefused, SignedIn, authenticate, change_password
from station.storage.database import Database
from ui.tasks import Tasks


class _PasswordForm(QtWidgets.QDialog):
    """Login name and password, checked off the GUI thread."""

    def __init__(
        self,
        database: Database,
        tasks: Tasks,
        policy: LoginPolicy,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.database, self.tasks, self.policy = database, tasks, policy
        self.signed_in: SignedIn | None = None
        self.login_edit = QtWidgets.QLineEdit()
        self.password_edit = QtWidgets.QLineEdit()
        self.password_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828")
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.check)
        self.buttons.rejected.connect(self.reject)
        self.form = QtWidgets.QFormLayout()
        self.form.addRow(self.tr("Login"), self.login_edit)
        self.form.addRow(self.tr("Password"), self.password_edit)
        layout = QtWidgets.QVBoxLayout(self)
        self.banner = QtWidgets.QLabel()
        self.banner.setWordWrap(True)
        layout.addWidget(self.banner)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def check(self) -> None:
        login, password = self.login_edit.text().strip(), self.password_edit.text()
        if not login or not password:
            self.message.setText(self.tr("Enter the login and the password."))
            return
        self.buttons.setEnabled(False)
        self.message.setStyleSheet("color: #455a64")
        self.message.setText(self.tr("Checking..."))
        database, policy = self.database, self.policy
        self.tasks.run(
            lambda: authenticate(database, login, password, policy), self._passed, self._failed
        )

    def _passed(self, user: SignedIn) -> None:
        self.buttons.setEnabled(True)
        problem = self.refuse(user)
        if problem:
            self._show_error(problem)
            return
        self.signed_in = user
        self.accept()

    def refuse(self, user: SignedIn) -> str:
        """A reason to refuse this (correctly authenticated) user, or ''."""
        del user
        return ""

    def _failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.password_edit.clear()
        if isinstance(error, LoginRefused):
            self._show_error(self.tr("Wrong login or password, or the account is locked."))
        else:
            self._show_error(self.tr("Cannot check the password: {error}").format(error=error))

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet("color: #c62828")
        self.message.setText(text)


class LoginDialog(_PasswordForm):
    def __init__(self, database, tasks, policy, station_name: str, parent=None) -> None:
        super().__init__(database, tasks, policy, parent)
        self.setWindowTitle(self.tr("Sign in: {station}").format(station=station_name))
        self.banner.setText(self.tr("Sign in to start your shift."))
        self.setMinimumWidth(380)


class ApprovalDialog(_PasswordForm):
    """A second person with `permission` (a supervisor) approves one action with a reason."""

    def __init__(
        self, database, tasks, policy, permission: Permission, action: str, *, parent=None
    ):
        super().__init__(database, tasks, policy, parent)
        self.permission = permission
        self.setWindowTitle(self.tr("Supervisor approval"))
        self.banner.setText(action)
        self.reason_edit = QtWidgets.QLineEdit()
        self.form.addRow(self.tr("Reason"), self.reason_edit)
        self.setMinimumWidth(420)

    def check(self) -> None:
        if not self.reason_edit.text().strip():
            self._show_error(self.tr("A reason is required."))
            return
        super().check()

    def refuse(self, user: SignedIn) -> str:
        if not allowed(user.role, self.permission):
            return self.tr("{login} may not approve this.").format(login=user.login)
        return ""

    @property
    def reason(self) -> str:
        return self.reason_edit.text().strip()


class PasswordChangeDialog(QtWidgets.QDialog):
    """Forced at the first login with a one-time password."""

    def __init__(self, database, tasks, policy, login: str, parent=None) -> None:
        super().__init__(parent)
        self.database, self.tasks, self.policy, self.login = database, tasks, policy, login
        self.setWindowTitle(self.tr("Change your password"))
        self.old_edit, self.new_edit, self.again_edit = (
            QtWidgets.QLineEdit(),
            QtWidgets.QLineEdit(),
            QtWidgets.QLineEdit(),
        )
        form = QtWidgets.QFormLayout()
        for label, edit in (
            (self.tr("Current password"), self.old_edit),
            (self.tr("New password"), self.new_edit),
            (self.tr("New password again"), self.again_edit),
        ):
            edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
            form.addRow(label, edit)
        self.message = QtWidgets.QLabel()
        self.message.setStyleSheet("color: #c62828")
        self.message.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.check)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def check(self) -> None:
        new = self.new_edit.text()
        if new != self.again_edit.text():
            self.message.setText(self.tr("The two new passwords differ."))
            return
        args = (self.database, self.login, self.old_edit.text(), new, self.policy)
        self.tasks.run(lambda: change_password(*args), lambda _: self.accept(), self._failed)

    def _failed(self, error: BaseException) -> None:
        self.message.setText(str(error))


class LockScreen(QtWidgets.QWidget):
    """Covers the whole main window; the signed-in user (or the next one) unlocks it."""

    unlocked = QtCore.Signal(object)  # the SignedIn who unlocked

    def __init__(
        self,
        check: Callable[
            [str, str, Callable[[SignedIn], None], Callable[[BaseException], None]], None
        ],
        parent: QtWidgets.QWidget,
    ) -> None:
        super().__init__(parent)
        self._check = check
        # Without this a QWidget subclass ignores its style sheet background: the lanes
        # and their data would show through the lock.
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "LockScreen { background: #263238 } QLabel { color: white; font-size: 12pt }"
        )
        self.title = QtWidgets.QLabel()
        self.title.setStyleSheet("font-size: 24pt; color: white")
        self.hint = QtWidgets.QLabel()
        self.login_edit = QtWidgets.QLineEdit()
        self.password_edit = QtWidgets.QLineEdit()
        self.password_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.password_edit.returnPressed.connect(self._try)
        self.button = QtWidgets.QPushButton()
        self.button.clicked.connect(self._try)
        self.message = QtWidgets.QLabel()
        self.message.setStyleSheet("color: #ffab91; font-size: 12pt")
        self._arrange()
        self.hide()

    def _arrange(self) -> None:
        self.login_label, self.password_label = QtWidgets.QLabel(), QtWidgets.QLabel()
        form = QtWidgets.QFormLayout()
        form.addRow(self.login_label, self.login_edit)
        form.addRow(self.password_label, self.password_edit)
        box = QtWidgets.QVBoxLayout()
        box.addStretch(1)
        for widget in (self.title, self.hint):
            box.addWidget(widget)
        box.addLayout(form)
        box.addWidget(self.button)
        box.addWidget(self.message)
        box.addStretch(2)
        outer = QtWidgets.QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(box, 1)
        outer.addStretch(1)

    def lock(self, login: str) -> None:
        self.title.setText(self.tr("Screen locked"))
        self.hint.setText(self.tr("Unlock with your password, or sign in to take over the desk."))
        self.login_label.setText(self.tr("Login"))
        self.password_label.setText(self.tr("Password"))
        self.button.setText(self.tr("Unlock"))
        self.login_edit.setText(login)
        self.password_edit.clear()
        self.message.clear()
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        (self.password_edit if login else self.login_edit).setFocus()

    def _try(self) -> None:
        self.message.setText(self.tr("Checking..."))
        self._check(
            self.login_edit.text().strip(), self.password_edit.text(), self._passed, self._failed
        )

    def _passed(self, user: SignedIn) -> None:
        self.hide()
        self.unlocked.emit(user)

    def _failed(self, error: BaseException) -> None:
        del error
        self.password_edit.clear()
        self.message.setText(self.tr("Wrong login or password."))

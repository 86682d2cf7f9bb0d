"""A keyring backend for the tests: the system keyring's interface, kept in memory, so
that the keyring path is exercised without a desktop session's secret service."""

from typing import ClassVar

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1
    entries: ClassVar[dict[tuple[str, str], str]] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        del self.entries[(service, username)]

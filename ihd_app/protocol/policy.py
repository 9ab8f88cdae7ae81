"""The authorisation policy: which role may originate which message type."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.message_types import message_type
from ihd_app.protocol.pki.roles import Role

POLICY_VERSION = 1


@dataclass(frozen=True)
class Policy:
    """Role -> permitted message types.

    Attributes:
        permissions: For each role, the message type names it may originate.
        source: Where the policy was read from, for messages to people.
    """

    permissions: Mapping[Role, frozenset[str]]
    source: str = "<memory>"

    def allows(self, role: Role, type_name: str) -> bool:
        """Whether ``role`` may originate messages of ``type_name``."""
        return type_name in self.permissions.get(role, frozenset())

    @classmethod
    def from_file(cls, path: Path) -> Policy:
        """Read a policy TOML file (see ``resources/policy/default.toml``).

        Raises:
            ConfigurationError: The file is missing, not TOML, of another version, or names an
                unknown role or message type.
        """
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError(f"policy file {path} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"policy file {path} is not valid TOML: {exc}") from None
        return cls.from_mapping(document, source=str(path))

    @classmethod
    def from_mapping(cls, document: Mapping[str, object], source: str = "<memory>") -> Policy:
        """Build a policy from its parsed TOML form.

        Raises:
            ConfigurationError: See :meth:`from_file`.
        """
        if document.get("version") != POLICY_VERSION:
            raise ConfigurationError(f"{source}: policy version must be {POLICY_VERSION}")
        roles = document.get("roles")
        if not isinstance(roles, dict):
            raise ConfigurationError(f"{source}: no [roles.<role>] tables")
        permissions: dict[Role, frozenset[str]] = {}
        for role_name, table in roles.items():
            try:
                role = Role(role_name)
            except ValueError:
                raise ConfigurationError(
                    f"{source}: unknown role '{role_name}' (known: {', '.join(Role)})"
                ) from None
            types = table.get("may_send") if isinstance(table, dict) else None
            if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
                raise ConfigurationError(f"{source}: roles.{role_name}.may_send must be a list")
            unknown = [t for t in types if message_type(t) is None]
            if unknown:
                raise ConfigurationError(
                    f"{source}: roles.{role_name} names unknown message type(s) {unknown}"
                )
            permissions[role] = frozenset(types)
        return cls(permissions=permissions, source=source)

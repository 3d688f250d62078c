"""The package's exception hierarchy: one base class, a few precise subclasses."""


class FlashArbError(Exception):
    """Base class of every error FlashArb raises on purpose."""


class ConfigError(FlashArbError):
    """A configuration value is missing or invalid; the message names the field and the fix."""


class AddressBookError(FlashArbError):
    """The address book is malformed or does not cover what was asked of it."""


class ReplicaError(FlashArbError):
    """The Polygon replica could not be built, loaded or served."""


class RpcError(FlashArbError):
    """A node call failed after its retries."""

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


class BudgetSpent(RpcError):
    """A node call failed and the block's time budget for the node is spent: no retry is started."""


class AmmError(FlashArbError):
    """A swap or quote the pool itself would refuse: bad index, zero liquidity, amount over a limit,
    or a step of the on-chain math that reverts. The message names the input and the limit."""


class TickCoverageError(AmmError):
    """A Uniswap V3 swap would move into ticks the pool snapshot does not cover: quoting on would
    treat a partial tick map as complete. Fetch a wider range of the tick bitmap and retry."""


class RouteError(FlashArbError):
    """A route cannot be encoded for FlashArb, or bytes are not a valid FlashArb route; the message
    names the field (and hop) that is wrong and the allowed values."""


class DeploymentError(FlashArbError):
    """A recorded deployment does not match the chain (missing code, other code, other settings), or
    a deployment could not be made; the message names the contract, the field and the fix."""


class NetworkError(FlashArbError):
    """The chosen network cannot be used: an RPC URL is missing or unreachable, or the chain is not
    Polygon; the message names the variable or option to set and the command that fixes it."""

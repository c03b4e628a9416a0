"""What the licences app plugs into other apps at start-up: the case engine's result issuer and licence resolver,
outbox consumers for case documents and archives, periodic jobs. Each part registers itself idempotently."""


def register() -> None:
    """Called from :meth:`LicensesConfig.ready`. Parts are added here as they are built."""

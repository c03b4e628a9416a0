"""What the licences app plugs into other apps at start-up: the case engine's result issuer and licence resolver,
outbox consumers for case documents and archives, periodic jobs. Each area registers itself idempotently in its
own ``register`` function, called from here."""

from importlib import import_module

AREAS = (
    "tongban.licenses.integration",  # result issuer, licence resolver, expiry job (licences)
    "tongban.licenses.documents",  # sealed case documents from case events
    "tongban.licenses.archives",  # archive packages when a case ends
)


def register() -> None:
    """Called from :meth:`LicensesConfig.ready`: each area's module ``register()``, when the area exists."""
    for name in AREAS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register()

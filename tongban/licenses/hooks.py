"""What the licences app plugs into other apps at start-up: the case engine's result issuer and licence resolver
and the expiry job (:mod:`tongban.licenses.integration`), the outbox consumers that seal case documents
(:mod:`tongban.licenses.documents`) and build archive packages (:mod:`tongban.licenses.archives`). Each part
registers itself idempotently."""


def register() -> None:
    """Called from :meth:`LicensesConfig.ready`."""
    from tongban.licenses import archives, documents, integration

    integration.register()
    documents.register()
    archives.register()

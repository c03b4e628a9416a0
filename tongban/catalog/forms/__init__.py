"""Application forms (申请表单, 一事一表 and one combined form per 一件事) stored as data, and prefill (免填).

The public interface for the case engine and the channels. Everything returned is frozen plain data.

* :func:`form_for_implementation` / :func:`form_for_bundle` — the form in force; :func:`form_by_key` — any
  earlier one by its key; :func:`form_spec_snapshot` / :func:`form_spec_restore` — store it with a case.
* :func:`form_validate` — cleaned values, or ``ValidationFailed`` listing every problem (``partial`` for drafts).
* :func:`form_prefill` — what the platform already holds for the applicant, per field, with its source;
  :func:`prefill_source_register` — for apps that bring a source (history, licences, data exchange).
* :mod:`tongban.catalog.forms.render` — the server-side renderer (template ``catalog/forms/form.html``) and the
  parser of its HTML form posts.
"""

from tongban.catalog.forms.definition import definition_check, definition_diff, definition_normalize
from tongban.catalog.forms.prefill import (
    PrefillKey,
    PrefillProvider,
    form_prefill,
    prefill_choices,
    prefill_source_register,
    prefill_source_unregister,
)
from tongban.catalog.forms.spec import KIND_LABELS, FormField, FormSection, FormSpec, PrefilledValue
from tongban.catalog.forms.specs import (
    form_by_key,
    form_for_bundle,
    form_for_implementation,
    form_for_implementation_draft,
    form_for_implementation_version,
    form_member_data,
    form_spec_from_definition,
    form_spec_restore,
    form_spec_snapshot,
    forms_for_implementations,
)
from tongban.catalog.forms.validation import form_validate, visible_names

__all__ = [
    "KIND_LABELS", "FormField", "FormSection", "FormSpec", "PrefillKey", "PrefillProvider", "PrefilledValue",
    "definition_check", "definition_diff", "definition_normalize", "form_by_key", "form_for_bundle",
    "form_for_implementation", "form_for_implementation_draft", "form_for_implementation_version", "form_member_data", "form_prefill",
    "form_spec_from_definition", "form_spec_restore", "form_spec_snapshot", "form_validate", "forms_for_implementations",
    "prefill_choices",
    "prefill_source_register", "prefill_source_unregister", "visible_names",
]

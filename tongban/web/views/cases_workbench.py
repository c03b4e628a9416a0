"""Case handling in the staff workbench (办件办理): the queues, search and batch acceptance, the case page with
only the actions the transition table allows this staff member now, the materials, the audited reveal of the
applicant, and the processing configuration editor of department administrators.

Every page works without JavaScript. Views validate input and call the case engine's services and selectors,
which check scope and permissions again (a refusal is audited there); a case outside the staff member's scope
answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.cases import selectors as case_selectors
from tongban.cases import services as case_services
from tongban.cases.interface import (
    AcceptanceMode,
    CaseKind,
    DecisionDocument,
    DecisionOutcome,
    StepKind,
    StepOutcome,
    StepSpec,
    SupplementItem,
)
from tongban.cases.selectors import QUEUES, CaseQueue
from tongban.catalog import selectors as catalog
from tongban.catalog.forms import form_spec_restore
from tongban.catalog.forms.render import form_render
from tongban.core.crypto import mask_id_number, mask_name, mask_phone
from tongban.core.errors import DomainError, Issue, NotFound, ValidationFailed
from tongban.directory import selectors as directory
from tongban.directory.interface import StaffRole
from tongban.directory.selectors import StaffContext, staff_context_for_user
from tongban.files.services import file_store
from tongban.licenses.selectors.documents import case_document_list_for_cases
from tongban.web import case_forms as f

PAGE_SIZE = 20
CASE_ROLES = frozenset({StaffRole.WINDOW_CLERK, StaffRole.REVIEWER, StaffRole.APPROVER, StaffRole.DEPARTMENT_ADMIN})
RECORD_FILE_PURPOSE = "cases.record"  # opinion attachments uploaded by staff
MAX_ATTACHMENTS = 5


def _staff(request: HttpRequest) -> StaffContext:
    staff = staff_context_for_user(request.user)
    if staff is None:
        raise Http404(_("您的账号不是工作人员账号。"))
    return staff


def handles_cases(staff: StaffContext | None) -> bool:
    """Whether the workbench shows 办件办理 to this staff member."""
    return staff is not None and (bool(staff.roles & CASE_ROLES) or staff.is_platform_admin)


def _report(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    for issue in error.issues:
        if issue.message != error.message:
            messages.error(request, issue.message)


def _queue_nav(staff: StaffContext) -> list[dict[str, Any]]:
    counts = case_selectors.case_queue_counts_for_staff(staff=staff)
    return [{"key": key, "label": label, "count": counts.get(key, 0)} for key, label in QUEUES.items()]


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _querystring(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ------------------------------------------------------------------ queues, search, batch acceptance


@login_required
def case_home(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    first = CaseQueue.TO_ACCEPT if StaffRole.WINDOW_CLERK in staff.roles else CaseQueue.MY_STEPS
    return redirect("web:wb_case_queue", queue=first)


@login_required
def case_queue(request: HttpRequest, queue: str) -> HttpResponse:
    """One queue (待受理, 我的待办, 即将到期, 已超期, 补正已提交, 特别程序中), paginated, due dates coloured and written."""
    staff = _staff(request)
    if queue not in QUEUES:
        raise Http404(_("没有这个工作队列。"))
    rows = case_selectors.case_queue_for_staff(staff=staff, queue=queue)
    return render(request, "web/workbench/cases/queue.html", {
        "staff": staff, "queue": queue, "queue_label": QUEUES[queue], "queues": _queue_nav(staff),
        "page": _page(request, rows), "querystring": _querystring(request), "search": f.SearchForm(),
        "batch": queue == CaseQueue.TO_ACCEPT and StaffRole.WINDOW_CLERK in staff.roles})


@login_required
def case_search(request: HttpRequest) -> HttpResponse:
    """办件查询 within scope: case number, item, submission dates, the applicant's exact name or ID number."""
    staff = _staff(request)
    form = f.SearchForm(request.GET or None)
    rows: Any = []
    searched = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        searched = True
        rows = case_selectors.case_search_for_staff(
            staff=staff, case_number=data["case_number"], item=data["item"], submitted_from=data["submitted_from"],
            submitted_to=data["submitted_to"], applicant_name=data["applicant_name"],
            applicant_id_number=data["applicant_id_number"], status=data["status"])
    return render(request, "web/workbench/cases/search.html", {
        "staff": staff, "queues": _queue_nav(staff), "search": form, "searched": searched,
        "page": _page(request, rows), "querystring": _querystring(request)})


def _int_list(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_batch_accept(request: HttpRequest) -> HttpResponse:
    """批量受理: the chosen cases on a second screen (which may be accepted together, which not and why); the
    confirmation accepts each through ``case_accept`` (each audited on its own)."""
    staff = _staff(request)
    source = request.POST if request.method == "POST" else request.GET
    rows = case_selectors.case_batch_accept_check_for_staff(staff=staff, case_ids=_int_list(source.getlist("case")))
    back = reverse("web:wb_case_queue", args=[CaseQueue.TO_ACCEPT])
    if not rows:
        messages.error(request, _("请先勾选要受理的办件。"))
        return redirect(back)
    acceptable = [row for row in rows if row.acceptable]
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        opinion = (request.POST.get("opinion") or "").strip()[:f.OPINION_MAX]
        done, failed = 0, []
        for row in acceptable:
            try:
                case_services.case_accept(user=request.user, case_id=row.id, opinion=opinion)
            except DomainError as error:
                failed.append(f"{row.case_number}：{error.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("已受理%(n)d件。") % {"n": done})
        for line in failed:
            messages.error(request, line)
        return redirect(back)
    return render(request, "web/workbench/cases/batch_accept.html", {
        "staff": staff, "queues": _queue_nav(staff), "rows": rows, "acceptable": acceptable, "back": back})


# ------------------------------------------------------------------ the case page


def _open(request: HttpRequest, case_id: int) -> Any:
    """The staff view of the case; out of scope (audited by the service) or missing: 404."""
    try:
        return case_services.case_open_for_staff(user=request.user, case_id=case_id)
    except NotFound as error:
        raise Http404(error.message) from None


def _my_open_steps(view: Any, staff: StaffContext) -> list[Any]:
    return [s for s in view.steps if s.closed_at is None and s.department_id == staff.department_id
            and s.role in staff.roles]


def available_actions(view: Any, staff: StaffContext) -> list[str]:
    """The transitions this staff member may make now (the engine narrows the table with its finer guards:
    only the last step decides, 即办 only in instant mode, one extension …), less those the workbench does not
    offer: the applicant's and the platform's own, and closing a 一件事 (done through its children)."""
    hidden = {"request_payment", "confirm_payment", "resubmit", "withdraw", "submit"}
    if view.kind == CaseKind.BUNDLE_PARENT:
        hidden |= {"complete", "void"}
    return [name for name in view.allowed_transitions if name not in hidden]


def _at_last_step(view: Any, staff: StaffContext) -> bool:
    """Whether the step this staff member holds is the chain's last (it passes only by the decision)."""
    last = view.chain_length - 1
    return any(s.position == last and s.kind != StepKind.COUNTERSIGN for s in _my_open_steps(view, staff))


ACTION_LABELS = {
    "accept": gettext_lazy("受理"),
    "refuse": gettext_lazy("不予受理"),
    "request_supplement": gettext_lazy("补齐补正告知"),
    "instant_decide": gettext_lazy("即办（受理并作出决定）"),
    "step_complete": gettext_lazy("办理本环节（通过／退回）"),
    "countersign": gettext_lazy("会签"),
    "special_procedure_start": gettext_lazy("启动特别程序"),
    "special_procedure_end": gettext_lazy("结束特别程序"),
    "extend": gettext_lazy("批准延期"),
    "decide": gettext_lazy("作出决定（准予／不予）"),
    "complete": gettext_lazy("办结"),
    "deliver": gettext_lazy("送达"),
    "void": gettext_lazy("作废"),
}
DANGER = frozenset({"refuse", "void"})


def _masked(field_: Any, value: Any) -> Any:
    """A form value as the case page shows it before the reveal: ID numbers, phone numbers and the verified
    name masked (inside repeating rows too)."""
    if value in (None, ""):
        return value
    if field_.kind == "rows" and isinstance(value, list):
        subfields = {sub.name: sub for sub in field_.subfields}
        return [{k: _masked(subfields[k], v) if k in subfields else v for k, v in row.items()}
                if isinstance(row, dict) else row for row in value]
    if field_.kind == "id_number":
        return mask_id_number(str(value))
    if field_.kind == "phone":
        return mask_phone(str(value))
    if (field_.prefill or "") == "identity.name":
        return mask_name(str(value))
    return value


def _rendered_form(view: Any, *, masked: bool = True) -> Any:
    """The application form as submitted, read-only (personal identifiers masked unless revealed)."""
    if not view.form_snapshot:
        return None
    try:
        spec = form_spec_restore(view.form_snapshot)
    except (KeyError, TypeError, ValueError):
        return None
    values = dict(view.form_data)
    if masked:
        values = {name: _masked(field_, values.get(name)) for field_ in spec.fields
                  if (name := field_.name) in values}
    return form_render(spec, values=values, prefix="case", readonly=True)


@never_cache
@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    view = _open(request, case_id)
    actions = available_actions(view, staff)
    case_ids = [view.id, *(child.case_id for child in view.children)]
    return render(request, "web/workbench/cases/detail.html", {
        "staff": staff, "case": view, "queues": _queue_nav(staff), "form": _rendered_form(view),
        "sealed_documents": case_document_list_for_cases(case_ids=case_ids), "for_staff": True,
        "fee_yuan": f"{view.fee_amount_fen / 100:.2f}" if view.fee_amount_fen is not None else "",
        "actions": [{"name": name, "label": ACTION_LABELS.get(name, name), "danger": name in DANGER}
                    for name in actions]})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    """查看完整信息: the applicant unmasked, after a reason; audited by ``case_applicant_reveal``. Never cached."""
    staff = _staff(request)
    view = _open(request, case_id)
    form = f.RevealForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            revealed = case_services.case_applicant_reveal(user=request.user, case_id=view.id,
                                                           reason=form.cleaned_data["reason"])
        except NotFound as error:
            raise Http404(error.message) from None
        except DomainError as error:
            _report(request, error)
    return render(request, "web/workbench/cases/reveal.html", {
        "staff": staff, "case": view, "form": form, "revealed": revealed,
        "application": _rendered_form(view, masked=False) if revealed is not None else None})


def _file_response(info: Any, data: bytes, *, inline: bool) -> HttpResponse:
    response = HttpResponse(data, content_type=info.mime or "application/octet-stream")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(info.display_name or 'file')}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@login_required
def case_material(request: HttpRequest, case_id: int, material_id: int) -> HttpResponse:
    """A supplied material (audited): images inline (the case page previews them), PDFs as a download."""
    _staff(request)
    try:
        info, data = case_services.case_material_read(user=request.user, case_id=case_id, material_id=material_id)
    except NotFound as error:
        raise Http404(error.message) from None
    return _file_response(info, data, inline=str(info.mime).startswith("image/"))


@login_required
def case_record_file(request: HttpRequest, case_id: int, file_id: int) -> HttpResponse:
    """An attachment of the case's record (opinion, step, decision document), downloaded (audited)."""
    _staff(request)
    try:
        info, data = case_services.case_record_file_read(user=request.user, case_id=case_id, file_id=file_id)
    except NotFound as error:
        raise Http404(error.message) from None
    return _file_response(info, data, inline=False)


# ------------------------------------------------------------------ actions


@dataclass(frozen=True)
class Uploads:
    """Files of an action, kept before it runs: attachments and (a decision) the document's file."""

    attachments: list[int]
    document: int | None = None


@dataclass(frozen=True)
class Action:
    form: Callable[..., Any] | None  # the Django form class, or None for the supplement request
    run: Callable[[HttpRequest, Any, Any, Uploads], None]
    attachments: bool = False
    confirm: Callable[[Any], bool] = lambda form: False  # a second screen before it happens


def _run_accept(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_accept(user=request.user, case_id=view.id, opinion=form.cleaned_data["opinion"])


def _run_refuse(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    data = form.cleaned_data
    case_services.case_refuse(user=request.user, case_id=view.id, reasons=data["all_reasons"],
                              legal_basis=data["legal_basis"], opinion=data["opinion"])


def _run_step(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_step_complete(user=request.user, case_id=view.id, outcome=form.cleaned_data["outcome"],
                                     opinion=form.cleaned_data["opinion"], attachments=files.attachments)


def _run_countersign(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_countersign(user=request.user, case_id=view.id, outcome=form.cleaned_data["outcome"],
                                   opinion=form.cleaned_data["opinion"], attachments=files.attachments)


def _run_special_start(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_special_procedure_start(user=request.user, case_id=view.id, kind=form.cleaned_data["kind"],
                                               reason=form.cleaned_data["reason"], attachments=files.attachments)


def _run_special_end(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_special_procedure_end(user=request.user, case_id=view.id, result=form.cleaned_data["result"],
                                             attachments=files.attachments)


def _run_extend(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_extend(user=request.user, case_id=view.id, working_days=form.cleaned_data["working_days"],
                              reason=form.cleaned_data["reason"])


def _decision_kwargs(form: Any, files: Uploads) -> dict[str, Any]:
    docs = [DecisionDocument(name=name, number=number, file_id=files.document if index == 0 else None)
            for index, (name, number) in enumerate(form.documents())]
    return {"outcome": form.cleaned_data["outcome"], "opinion": form.cleaned_data["opinion"], "documents": docs,
            "delivery_method": form.cleaned_data["delivery_method"], "fee_amount_fen": form.fee_fen(),
            "attachments": files.attachments}


def _run_decide(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_decide(user=request.user, case_id=view.id, **_decision_kwargs(form, files))


def _run_instant_decide(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_instant_decide(user=request.user, case_id=view.id, **_decision_kwargs(form, files))


def _run_complete(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_complete(user=request.user, case_id=view.id, opinion=form.cleaned_data["opinion"])


def _run_deliver(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_deliver(user=request.user, case_id=view.id, opinion=form.cleaned_data["opinion"],
                               tracking_number=form.cleaned_data["tracking_number"])


def _run_void(request: HttpRequest, view: Any, form: Any, files: Uploads) -> None:
    case_services.case_void(user=request.user, case_id=view.id, reason=form.cleaned_data["reason"])


def _denies(form: Any) -> bool:
    return form.cleaned_data.get("outcome") == DecisionOutcome.DENY


ACTIONS: dict[str, Action] = {
    "accept": Action(f.OpinionForm, _run_accept),
    "refuse": Action(f.RefuseForm, _run_refuse, confirm=lambda form: True),
    "request_supplement": Action(None, lambda *a: None),
    "step_complete": Action(f.StepForm, _run_step, attachments=True),
    "countersign": Action(lambda *a, **k: f.StepForm(*a, countersign=True, **k), _run_countersign,
                          attachments=True),
    "special_procedure_start": Action(f.SpecialStartForm, _run_special_start, attachments=True),
    "special_procedure_end": Action(f.SpecialEndForm, _run_special_end, attachments=True),
    "extend": Action(f.ExtendForm, _run_extend),
    "decide": Action(f.DecideForm, _run_decide, attachments=True, confirm=_denies),
    "instant_decide": Action(f.DecideForm, _run_instant_decide, attachments=True, confirm=_denies),
    "complete": Action(f.OpinionForm, _run_complete),
    "deliver": Action(f.DeliverForm, _run_deliver),
    "void": Action(f.VoidForm, _run_void, confirm=lambda form: True),
}


def _store_uploads(request: HttpRequest) -> Uploads:
    """New uploads (kept through the files app: typed by content, scanned, encrypted), and the ids of files
    uploaded on the first screen of a confirmation (the engine accepts only files of the acting account)."""
    carried = _int_list(request.POST.getlist("attachment_id"))
    uploads = request.FILES.getlist("attachments")
    if len(carried) + len(uploads) > MAX_ATTACHMENTS:
        raise ValidationFailed(_("附件最多%(n)d个。") % {"n": MAX_ATTACHMENTS}, code="too_many_attachments")

    def keep(upload: Any) -> int:
        return file_store(owner_user_id=request.user.pk, upload=upload, purpose=RECORD_FILE_PURPOSE).id

    document = _int_list([request.POST.get("document_id", "")])
    if request.FILES.get("document_file") is not None:
        document = [keep(request.FILES["document_file"])]
    return Uploads(attachments=carried + [keep(upload) for upload in uploads],
                   document=document[0] if document else None)


def _supplement_context(view: Any, post: Any | None) -> dict[str, Any]:
    """The rows of the supplement request: every material (the missing required ones ticked) and every form
    field, each with its note."""
    materials = []
    for index, m in enumerate(view.materials):
        key = f"m-{index}"
        missing = m.required and not m.met
        ticked = bool(post.get(key)) if post is not None else missing
        note = post.get(f"{key}-note", "") if post is not None else (_("未提交该材料") if missing else "")
        materials.append({"key": key, "name": m.name, "required": m.required, "met": m.met, "missing": missing,
                          "ticked": ticked, "note": note})
    fields = []
    spec = None
    if view.form_snapshot:
        try:
            spec = form_spec_restore(view.form_snapshot)
        except (KeyError, TypeError, ValueError):
            spec = None
    for index, field_ in enumerate(spec.fields if spec is not None else ()):
        key = f"f-{index}"
        fields.append({"key": key, "name": field_.name, "label": field_.label,
                       "ticked": bool(post.get(key)) if post is not None else False,
                       "note": post.get(f"{key}-note", "") if post is not None else ""})
    return {"materials": materials, "fields": fields,
            "opinion": post.get("opinion", "") if post is not None else ""}


def _supplement_items(rows: dict[str, Any]) -> tuple[list[SupplementItem], list[str]]:
    items, problems = [], []
    for row in rows["materials"]:
        if row["ticked"]:
            if not row["note"].strip():
                problems.append(_("请写明“%(n)s”需要补正的原因。") % {"n": row["name"]})
            items.append(SupplementItem(material=row["name"], reason=row["note"].strip()[:f.REASON_MAX]))
    for row in rows["fields"]:
        if row["ticked"]:
            if not row["note"].strip():
                problems.append(_("请写明“%(n)s”需要更正的原因。") % {"n": row["label"]})
            items.append(SupplementItem(field=row["name"], reason=row["note"].strip()[:f.REASON_MAX]))
    if not items:
        problems.append(_("请勾选需要补齐补正的材料或表单项，一次性告知申请人。"))
    return items, problems


def _supplement(request: HttpRequest, staff: StaffContext, view: Any) -> HttpResponse:
    rows = _supplement_context(view, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        items, problems = _supplement_items(rows)
        for problem in problems:
            messages.error(request, problem)
        if not problems:
            try:
                case_services.case_request_supplement(user=request.user, case_id=view.id, items=items,
                                                      opinion=rows["opinion"][:f.OPINION_MAX])
            except NotFound as error:
                raise Http404(error.message) from None
            except DomainError as error:
                _report(request, error)
                status = error.http_status
            else:
                messages.success(request, _("已一次性告知申请人补齐补正，办理时限暂停计算。"))
                return redirect("web:wb_case", case_id=view.id)
        else:
            status = 422
    return render(request, "web/workbench/cases/supplement.html", {
        "staff": staff, "case": view, "rows": rows, "label": ACTION_LABELS["request_supplement"]}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """The form of one action, its confirmation screen (不予受理, 作废, 不予许可), then the service. A refusal
    (not permitted, wrong state, invalid input) shows the engine's message and changes nothing."""
    staff = _staff(request)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(_("没有这个操作。"))
    view = _open(request, case_id)
    if request.method == "GET" and action not in available_actions(view, staff):
        messages.error(request, _("您现在不能对该办件进行“%(a)s”操作。") % {"a": ACTION_LABELS[action]})
        return redirect("web:wb_case", case_id=view.id)
    if action == "request_supplement":
        return _supplement(request, staff, view)
    form = spec.form(request.POST or None) if spec.form is not None else None
    if action == "step_complete" and form is not None and _at_last_step(view, staff):
        form.fields["outcome"].choices = [(StepOutcome.RETURN, _("退回上一环节"))]  # passing it is the decision
    context: dict[str, Any] = {"staff": staff, "case": view, "action": action, "label": ACTION_LABELS[action],
                               "form": form, "attachments": spec.attachments, "danger": action in DANGER}
    status = 200
    if request.method == "POST" and form is not None:
        if not form.is_valid():
            status = 422
        else:
            try:
                files = _store_uploads(request) if spec.attachments else Uploads(attachments=[])
                if spec.confirm(form) and request.POST.get("confirmed") != "1":
                    return render(request, "web/workbench/cases/confirm.html", {
                        **context, "files": files, "summary": _summary(action, form)})
                spec.run(request, view, form, files)
            except NotFound as error:
                raise Http404(error.message) from None
            except DomainError as error:
                _report(request, error)
                status = error.http_status
            else:
                messages.success(request, _("已%(a)s。") % {"a": ACTION_LABELS[action]})
                return redirect("web:wb_case", case_id=view.id)
    return render(request, "web/workbench/cases/action.html", context, status=status)


def _summary(action: str, form: Any) -> list[tuple[str, str]]:
    """What the confirmation screen repeats before a destructive action."""
    data = form.cleaned_data
    if action == "refuse":
        return [(_("不予受理理由"), "；".join(data["all_reasons"])), (_("法律依据"), data["legal_basis"]),
                (_("说明"), data["opinion"])]
    if action == "void":
        return [(_("作废理由"), data["reason"])]
    return [(_("决定"), _("不予许可")), (_("理由"), data["opinion"]),
            (_("决定文书"), "、".join(name for name, _number in form.documents()))]


# ------------------------------------------------------------------ processing configuration (办理流程配置)


@login_required
def config_list(request: HttpRequest) -> HttpResponse:
    """The department's implementations with their processing configuration (department administrators edit)."""
    staff = _staff(request)
    if not (staff.is_department_admin or staff.is_platform_admin):
        raise Http404(_("只有部门管理员可以配置办理流程。"))
    impls = catalog.implementation_list_for_staff(staff=staff)
    page = _page(request, impls)
    summaries = case_selectors.processing_config_summaries(implementation_ids=[i.pk for i in page.object_list])
    return render(request, "web/workbench/cases/config_list.html", {
        "staff": staff, "queues": _queue_nav(staff), "page": page,
        "rows": [(impl, summaries.get(impl.pk)) for impl in page.object_list],
        "querystring": _querystring(request)})


def _config_rows_from_post(post: Any) -> list[dict[str, Any]]:
    rows = []
    for index in range(int(post.get("step_count") or 0)):
        key = f"s-{index}"
        try:
            budget = int(post.get(f"{key}-budget") or 0)
        except ValueError:
            budget = -1
        rows.append({"name": (post.get(f"{key}-name") or "").strip(), "kind": post.get(f"{key}-kind") or "",
                     "role": post.get(f"{key}-role") or "", "budget_days": budget,
                     "department_ids": _int_list(post.getlist(f"{key}-departments"))})
    return rows


def _config_apply_op(rows: list[dict[str, Any]], op: str) -> list[dict[str, Any]]:
    """添加 / 删除 / 上移 / 下移 a step, without JavaScript (each is a submit button)."""
    rows = list(rows)
    name, _sep, raw = op.partition("-")
    index = int(raw) if raw.isdigit() else -1
    if name == "add":
        rows.append({"name": "", "kind": StepKind.REVIEW, "role": StaffRole.REVIEWER, "budget_days": 1,
                     "department_ids": []})
    elif name == "remove" and 0 <= index < len(rows):
        rows.pop(index)
    elif name == "up" and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif name == "down" and 0 <= index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


STEP_KIND_CHOICES = [(StepKind.HANDLE, gettext_lazy("承办")), (StepKind.REVIEW, gettext_lazy("审核")),
                     (StepKind.APPROVE, gettext_lazy("审批")), (StepKind.COUNTERSIGN, gettext_lazy("会签"))]
STEP_ROLE_CHOICES = [(StaffRole.WINDOW_CLERK, gettext_lazy("窗口受理人员")),
                     (StaffRole.REVIEWER, gettext_lazy("审核人员")), (StaffRole.APPROVER, gettext_lazy("审批人员"))]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def config_edit(request: HttpRequest, implementation_id: int) -> HttpResponse:
    """办理流程配置 of one implementation: acceptance mode, the step chain (add, remove, reorder; role and working-day
    budget each), countersigning departments, handled in the department's own system, fee. Saved through
    ``processing_config_update`` (department administrators of the implementation's department; audited), which
    reports every problem at once — the sum of budgets above the promised limit among them."""
    staff = _staff(request)
    try:
        config = case_services.processing_config_get(user=request.user, implementation_id=implementation_id)
    except NotFound as error:
        raise Http404(error.message) from None
    status = 200
    issues: list[Issue] = []
    if request.method == "POST":
        rows = _config_rows_from_post(request.POST)
        values = {"acceptance_mode": request.POST.get("acceptance_mode") or "",
                  "handled_externally": request.POST.get("handled_externally") == "1",
                  "fee_yuan": (request.POST.get("fee_yuan") or "").strip(),
                  "reason": (request.POST.get("reason") or "").strip()[:f.REASON_MAX]}
        op = request.POST.get("op", "")
        if op and op != "save":
            rows = _config_rows_from_post(request.POST) if op == "refresh" else _config_apply_op(rows, op)
        else:
            fee: int | None = None
            if values["fee_yuan"]:
                try:
                    fee = round(float(values["fee_yuan"]) * 100)
                except ValueError:
                    fee = -1
            try:
                case_services.processing_config_update(
                    user=request.user, implementation_id=config.implementation_id,
                    acceptance_mode=values["acceptance_mode"],
                    steps=[StepSpec(name=r["name"], kind=r["kind"], role=r["role"], budget_days=r["budget_days"],
                                    department_ids=tuple(r["department_ids"])) for r in rows],
                    handled_externally=values["handled_externally"], fee_amount_fen=fee, reason=values["reason"])
            except NotFound as error:
                raise Http404(error.message) from None
            except DomainError as error:
                messages.error(request, error.message)
                issues = list(error.issues)
                status = error.http_status
            else:
                messages.success(request, _("办理流程配置已保存，此后受理的办件按新配置办理。"))
                return redirect("web:wb_case_config", implementation_id=config.implementation_id)
    else:
        rows = [{"name": s.name, "kind": s.kind, "role": s.role, "budget_days": s.budget_days,
                 "department_ids": list(s.department_ids)} for s in config.steps]
        values = {"acceptance_mode": config.acceptance_mode, "handled_externally": config.handled_externally,
                  "fee_yuan": f"{config.fee_amount_fen / 100:.2f}" if config.fee_amount_fen is not None else "",
                  "reason": ""}
    own = directory.department_get(department_id=config.department_id)
    region_code = own.region.code if own is not None else ""
    departments = [(d.pk, d.name) for d in directory.department_list(region_code=region_code).order_by("name")
                   if d.pk != config.department_id] if region_code else []
    budget_total = sum(max(int(r["budget_days"]), 0) for r in rows)
    return render(request, "web/workbench/cases/config_edit.html", {
        "staff": staff, "config": config, "rows": rows, "values": values, "issues": issues,
        "modes": AcceptanceMode.choices, "kinds": STEP_KIND_CHOICES, "roles": STEP_ROLE_CHOICES,
        "departments": departments, "budget_total": budget_total,
        "over_budget": budget_total > config.promised_limit_working_days,
        "can_edit": staff.is_platform_admin or (staff.is_department_admin
                                                and staff.department_id == config.department_id),
        "countersign": StepKind.COUNTERSIGN}, status=status)



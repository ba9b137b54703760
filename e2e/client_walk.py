"""The reference scenario walked through the API with a client generated
from its own OpenAPI document (openapi-python-client).

Started by scripts/api-client, which makes the store (the reference dataset
imported, no order issued), adds a user per role, serves it, generates the
client into target/ and runs this with the client's package on the path:

  MUSTER_URL       the server
  MUSTER_USERS     a file of lines `NAME ROLE ORG TOKEN`
  MUSTER_PASSWORD  the password of every user (for the session calls)
  MUSTER_ORDERS    the reference orders

Every call goes through the generated functions. Every 2xx answer must be
parsed into the model the document names for it, and must conform to that
model's types all the way down, with no field the document does not name;
an answer with a status the document does not list fails the run (the
clients raise on it). The values EXPECTED.md gives are asserted where they
appear. Prints one line per check, the number of calls, and exits 1 on any
failure.
"""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import sys
import types
import typing
from pathlib import Path

import attrs

import muster_client
import muster_client.errors
from muster_client import AuthenticatedClient, Client
from muster_client import api as operations
from muster_client import models as m
from muster_client.api.acts import (
    act as act_show,
    acts as acts_index,
    assign as act_assign,
    deploy as act_deploy,
    deploy_unit as act_deploy_unit,
    discharge as act_discharge,
    enlist as act_enlist,
    event as act_event,
    post as act_post,
    recall as act_recall,
    recall_unit as act_recall_unit,
    register as act_register,
    return_home as act_return,
    reverse as act_reverse,
    update as act_update,
)
from muster_client.api.audit import (
    checkpoint as audit_checkpoint,
    consistency as audit_consistency,
    log as audit_log,
    proof as audit_proof,
    verify as audit_verify,
)
from muster_client.api.exemptions import (
    anomalies as paper_anomalies,
    issue as paper_issue,
    limits_in_force as limits_get,
    paper as paper_show,
    register as paper_register,
    review as paper_review,
    revoke as paper_revoke,
    set_limits as limits_put,
)
from muster_client.api.mass import (
    call_up as mass_call_up,
    carry_out as mass_carry_out,
    post as mass_post,
    redeploy as mass_redeploy,
)
from muster_client.api.lists import (
    add as list_add,
    create as list_create,
    list_ as list_show,
    lists as lists_index,
    recheck as list_recheck,
    remove as list_remove,
)
from muster_client.api.orders import (
    check as order_check,
    issue as order_issue,
    order as order_show,
    orders as orders_index,
    preview as order_preview,
    revoke as order_revoke,
)
from muster_client.api.records import health, person, sites, units
from muster_client.api.reports import explain, notices, roster, stats, strength, strength_svg
from muster_client.api.session import create as session_create
from muster_client.api.session import delete as session_delete
from muster_client.api.session import show as session_show
from muster_client.types import Unset

BASE = os.environ["MUSTER_URL"]
PASSWORD = os.environ["MUSTER_PASSWORD"]
ORDERS = Path(os.environ["MUSTER_ORDERS"])

failures: list[str] = []
calls = 0
called: set[str] = set()


def check(condition: bool, what: str) -> None:
    print(f"{'ok  ' if condition else 'FAIL'} {what}", flush=True)
    if not condition:
        failures.append(what)


class NonConforming(Exception):
    """An answer that does not fit the generated type."""


# The generated models, by name, for the annotations they name each other
# by (imported only for type checkers in the generated modules).
MODELS = {name: getattr(m, name) for name in m.__all__}


def free_form(model: type) -> bool:
    """Whether a model is a free-form object (a map, or any JSON object):
    one the document gives no properties, so every key is its own."""
    return [field.name for field in attrs.fields(model)] == ["additional_properties"]


def conform(value: object, hint: object, where: str) -> None:
    """Raises NonConforming unless the value has the generated type."""
    if hint is typing.Any:
        return
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for choice in typing.get_args(hint):
            try:
                conform(value, choice, where)
                return
            except NonConforming:
                continue
        raise NonConforming(f"{where}: {value!r} is not {hint}")
    if origin is list:
        if not isinstance(value, list):
            raise NonConforming(f"{where}: {value!r} is not a list")
        (item,) = typing.get_args(hint)
        for index, element in enumerate(value):
            conform(element, item, f"{where}[{index}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise NonConforming(f"{where}: {value!r} is not an object")
        _, item = typing.get_args(hint)
        for key, element in value.items():
            conform(element, item, f"{where}.{key}")
        return
    if hint is type(None):
        if value is not None:
            raise NonConforming(f"{where}: {value!r} is not null")
        return
    if isinstance(hint, type) and attrs.has(hint):
        if not isinstance(value, hint):
            raise NonConforming(f"{where}: {value!r} is not a {hint.__name__}")
        module = sys.modules[hint.__module__]
        hints = typing.get_type_hints(hint, globalns=vars(module), localns=MODELS)
        extra = getattr(value, "additional_properties", {})
        if extra and not free_form(hint):
            raise NonConforming(f"{where}: fields the document does not name: {sorted(extra)}")
        for field in attrs.fields(hint):
            if field.name != "additional_properties":
                conform(getattr(value, field.name), hints[field.name], f"{where}.{field.name}")
        return
    if hint is Unset:
        if not isinstance(value, Unset):
            raise NonConforming(f"{where}: {value!r} is set")
        return
    exact = {bool: bool, int: int, str: str, datetime.date: datetime.date}
    if hint in exact:
        if type(value) is not exact[hint]:
            raise NonConforming(f"{where}: {value!r} is not {hint.__name__}")
        return
    if hint is float:
        if type(value) not in (int, float):
            raise NonConforming(f"{where}: {value!r} is not a number")
        return
    raise NonConforming(f"{where}: no check for the type {hint}")


def call(operation: types.ModuleType, client: Client, **arguments: object):
    """Calls a generated operation (its `sync_detailed`)."""
    global calls
    calls += 1
    called.add(operation.__name__)
    return operation.sync_detailed(client=client, **arguments)


def typed(response, model: type, status: int = 200):
    """The parsed body of a 2xx answer, checked against its model."""
    if response.status_code != status:
        raise AssertionError(
            f"expected {status}, got {int(response.status_code)}: {response.content[:800]!r}"
        )
    parsed = response.parsed
    if not isinstance(parsed, model):
        raise AssertionError(f"a {int(status)} answer was parsed as {type(parsed)}, not {model}")
    conform(parsed, model, model.__name__)
    return parsed


def refused(response, status: int, what: str) -> m.ErrorDetail:
    """The error of an answer refused with a status (its body says the same)."""
    parsed = typed(response, m.ErrorBody, status)
    check(parsed.error.status == status, f"{what} ({status})")
    return parsed.error


def untyped_operations() -> list[str]:
    """The generated operations whose answer has no type (the document
    gives no schema for one of their answers)."""
    untyped = []
    for info in pkgutil.walk_packages(operations.__path__, operations.__name__ + "."):
        module = importlib.import_module(info.name)
        detailed = getattr(module, "sync_detailed", None)
        if detailed is None:
            continue
        hints = typing.get_type_hints(detailed, globalns=vars(module), localns=MODELS)
        answer = hints["return"]
        (body,) = typing.get_args(answer)
        choices = typing.get_args(body) or (body,)
        if typing.Any in choices or type(None) in choices:
            untyped.append(info.name)
    return untyped


def _h(*parts):
    import hashlib

    return hashlib.sha256(b"".join(parts)).digest()


def rfc9162_inclusion(leaf, index, size, path, root):
    """RFC 9162 2.1.3.2, written here from the RFC."""
    import base64

    if index >= size:
        return False
    fn, sn, r = index, size - 1, base64.b64decode(leaf)
    for p in (base64.b64decode(p) for p in path):
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _h(b"\x01", p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _h(b"\x01", r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == base64.b64decode(root)


def rfc9162_consistency(first, second, first_root, second_root, path):
    """RFC 9162 2.1.4.2, written here from the RFC."""
    import base64

    path = [base64.b64decode(p) for p in path]
    first_root, second_root = base64.b64decode(first_root), base64.b64decode(second_root)
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _h(b"\x01", c, fr), _h(b"\x01", c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = _h(b"\x01", sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def every_operation() -> set[str]:
    names = set()
    for info in pkgutil.walk_packages(operations.__path__, operations.__name__ + "."):
        module = importlib.import_module(info.name)
        if hasattr(module, "sync_detailed"):
            names.add(info.name)
    return names


def order_text(name: str) -> str:
    return (ORDERS / f"{name}.toml").read_text()


def statuses(entries) -> dict[str, str]:
    return {entry.person: entry.status for entry in entries}


def reasons(entries) -> dict[str, list[str]]:
    return {
        entry.person: [f"{reason.order} rule {reason.rule}" for reason in entry.reasons]
        for entry in entries
    }


def months(answer) -> list[str]:
    return [f"{month.month} {month.headcount}/{month.technicians}" for month in answer.months]


def main() -> None:
    untyped = untyped_operations()
    check(
        not untyped,
        f"every generated operation has a typed answer{': ' + ', '.join(untyped) if untyped else ''}",
    )

    users = {}
    for line in Path(os.environ["MUSTER_USERS"]).read_text().splitlines():
        name, _role, _organisation, token = line.split()
        users[name] = AuthenticatedClient(
            base_url=BASE, token=token, raise_on_unexpected_status=True
        )
    minister, errd, c8 = users["minister"], users["errd-officer"], users["c8-officer"]
    placer, sonbong, analyst = users["placer"], users["sonbong-officer"], users["analyst"]
    auditor = users["auditor"]

    anyone = Client(base_url=BASE, raise_on_unexpected_status=True)
    check(typed(call(health, anyone), m.Health).status == "ok", "the server is up")
    me = typed(call(session_show, placer), m.Whoami)
    check(
        (me.user, me.organisation, me.role) == ("placer", "haebit", "placement"),
        "a token's caller is the placement officer of haebit",
    )

    # A session with a password: log in, who am I, log out.
    browser = Client(base_url=BASE, raise_on_unexpected_status=True)
    login = typed(
        call(session_create, browser, body=m.Login(name="auditor", password=PASSWORD)), m.Whoami
    )
    check(
        login.role == "auditor"
        and isinstance(login.csrf, str)
        and login.idle_timeout_seconds == 1800,
        "the auditor logs in: a CSRF token and 30 minutes idle",
    )
    check(
        typed(call(session_show, browser), m.Whoami).user == "auditor",
        "the session cookie says who he is",
    )
    browser.with_headers({"X-CSRF-Token": typed_csrf(login)})
    check(
        typed(call(session_delete, browser), m.LoggedOut).logged_out is True,
        "he logs out with the session's CSRF token",
    )
    refused(call(session_show, browser), 401, "after logging out the session is gone")

    # The records.
    tree = typed(call(units, minister), m.Units)
    check(
        {"sgc", "strategic-force", "c8", "c8-1"} <= {unit.id for unit in tree.units},
        "the unit tree holds the reference units",
    )
    c8_1 = next(unit for unit in tree.units if unit.id == "c8-1")
    check(
        (c8_1.parent, c8_1.administration, c8_1.tags) == ("c8", "adm-c8", ["engineering"]),
        "c8-1 is under c8, administered by adm-c8, tagged engineering",
    )
    places = typed(call(sites, analyst), m.Sites)
    gomdok = next(site for site in places.sites if site.id == "gomdok")
    check(
        gomdok.kind == "mine"
        and all(c.required == 12 and c.required_technicians == 6 for c in gomdok.campaigns)
        and gomdok.campaigns,
        "Gomdok is a mine whose campaign requires 12 and 6 technicians",
    )

    # The department's discharge orders, on their days.
    for name, day in [
        ("errd-2020-031", "2020-09-25"),
        ("errd-2020-044", "2020-12-01"),
        ("errd-2021-002", "2021-01-04"),
    ]:
        issued = typed(
            call(order_issue, errd, body=m.Draft(document=order_text(name), as_of=day)),
            m.Impact,
            201,
        )
        check(
            issued.order == name and issued.as_of == datetime.date.fromisoformat(day),
            f"errd issues {name} on {day}",
        )
    delay = typed(call(order_show, errd, id="errd-2020-031", as_of="2020-12-31"), m.OrderDetail)
    check(
        delay.issued_by == "errd"
        and delay.state == "in force"
        and delay.rules[0].applies_to == "discharge",
        "errd-2020-031 is in force, a discharge rule of errd",
    )
    check(
        isinstance(delay.impact, m.Impact)
        and {change.person for change in delay.impact.discharge}
        == {"p010", "p013", "p014", "p016"},
        "errd-2020-031's recorded impact moves p010, p013, p014 and p016",
    )

    typed(
        call(
            list_create,
            errd,
            body=m.NewListBody(
                id="errd-mines-2021", kind="redeployment", owner="errd", as_of="2021-01-05"
            ),
        ),
        m.ListSummary,
        201,
    )
    added = typed(
        call(
            list_add,
            errd,
            id="errd-mines-2021",
            body=m.Additions(
                where='person.deployed_at("gomdok") && person.status == "serving"',
                as_of="2021-01-05",
            ),
        ),
        m.Added,
    )
    check(added.added == 7, f"errd-mines-2021: 7 added by the condition (got {added.added})")
    mines = typed(call(list_show, errd, id="errd-mines-2021", as_of="2021-01-05"), m.ListPage)
    check(
        statuses(mines.entries)
        == {
            **{p: "eligible" for p in ["p009", "p010", "p013", "p014", "p016", "p019"]},
            "p012": "excluded",
        },
        "errd-mines-2021 on 2021-01-05: p009 p010 p013 p014 p016 p019 eligible, p012 excluded, p011 not on it",
    )
    check(
        reasons(mines.entries)["p012"] == ["errd-2021-002 rule 1"],
        "p012 is excluded by errd-2021-002 rule 1",
    )

    # The conflict: checked, previewed, refused.
    conflicting = order_text("errd-2021-007")
    checked = typed(
        call(order_check, errd, body=m.Draft(document=conflicting, as_of="2021-01-15")),
        m.CheckedOrder,
    )
    check(
        not checked.issuable
        and [(c.protected_by, sorted(c.persons)) for c in checked.conflicts]
        == [("errd-2020-044", ["p010", "p013", "p016"])],
        "errd-2021-007 conflicts with the protection errd-2020-044 of p010, p013, p016",
    )
    previewed = typed(
        call(order_preview, errd, body=m.Draft(document=conflicting, as_of="2021-01-15")), m.Impact
    )
    moved = [(c.person, c.from_.isoformat(), c.to.isoformat()) for c in previewed.discharge]
    check(
        moved == [("p019", "2021-02-01", "2021-10-01")] and len(previewed.conflicts) == 1,
        "its preview moves only p019, from 2021-02-01 to 2021-10-01, with the same conflict",
    )
    conflict = refused(
        call(order_issue, errd, body=m.Draft(document=conflicting, as_of="2021-01-15")),
        409,
        "issuing it without override is refused",
    )
    check("errd-2020-044" in conflict.message, "the refusal names errd-2020-044")
    book = typed(call(orders_index, errd, as_of="2021-01-20"), m.Orders)
    check(
        [order.id for order in book.orders] == ["errd-2020-031", "errd-2020-044", "errd-2021-002"],
        "nothing was stored: three orders by 2021-01-20",
    )

    # The roster and the explanation of a discharge.
    early = typed(call(roster, minister, cycle="2020-autumn", as_of="2020-09-01"), m.Roster)
    check(
        early.date == datetime.date(2020, 10, 1)
        and len(early.entries) == 7
        and all(e.status == "scheduled" for e in early.entries),
        "the 2020-autumn roster as of 2020-09-01: all seven scheduled",
    )
    autumn = typed(call(roster, minister, cycle="2020-autumn", as_of="2020-12-31"), m.Roster)
    expected_autumn = {
        "p010": "delayed",
        "p013": "delayed",
        "p014": "delayed",
        "p016": "delayed",
        "p011": "exempt",
        "p015": "scheduled",
        "p017": "scheduled",
    }
    check(
        statuses(autumn.entries) == expected_autumn,
        "the 2020-autumn roster as of 2020-12-31: p010 p013 p014 p016 delayed, p011 exempt, p015 p017 scheduled",
    )
    delayed = [e for e in autumn.entries if e.status == "delayed"]
    check(
        all(e.date == datetime.date(2021, 2, 1) and e.orders == ["errd-2020-031"] for e in delayed),
        "the delayed go on 2021-02-01 by errd-2020-031",
    )
    spring = typed(call(roster, errd, cycle="2021-spring", as_of="2021-01-20"), m.Roster)
    check(
        statuses(spring.entries)
        == {
            "p019": "scheduled",
            "p010": "delayed-in",
            "p013": "delayed-in",
            "p014": "delayed-in",
            "p016": "delayed-in",
        },
        "the 2021-spring roster: p019 scheduled, p010 p013 p014 p016 delayed-in",
    )
    own = typed(call(roster, c8, cycle="2020-autumn", as_of="2020-12-31"), m.Roster)
    check(
        statuses(own.entries).items() <= statuses(autumn.entries).items(),
        f"the 8th corps administration sees only its own part of the roster ({len(own.entries)} of {len(autumn.entries)})",
    )
    why = typed(
        call(explain, minister, id="p010", discharge=True, as_of="2020-12-31"), m.Explanation
    )
    first = why.rules[0]
    check(
        why.decision == "2021-02-01"
        and (first.order, first.rule, first.when, first.unless, first.decisive)
        == ("errd-2020-031", 1, True, False, True),
        "p010's discharge: 2021-02-01, decided by errd-2020-031 rule 1 (when true, unless false)",
    )

    # Strength of Gomdok, with and without the delay.
    force = typed(
        call(strength, errd, site="gomdok", from_="2020-09", to="2021-03", as_of="2021-01-20"),
        m.Strength,
    )
    check(
        months(force)
        == [
            "2020-09 6/5",
            "2020-10 7/5",
            "2020-11 7/5",
            "2020-12 7/5",
            "2021-01 7/5",
            "2021-02 2/1",
            "2021-03 2/1",
        ],
        f"strength of Gomdok: {', '.join(months(force))}",
    )
    check(
        all((month.required, month.required_technicians) == (12, 6) for month in force.months),
        "Gomdok requires 12 / 6 throughout",
    )
    without = typed(
        call(
            strength,
            errd,
            site="gomdok",
            from_="2020-09",
            to="2021-03",
            without="errd-2020-031",
            as_of="2021-01-20",
        ),
        m.Strength,
    )
    check(
        months(without)
        == [
            "2020-09 6/5",
            "2020-10 3/2",
            "2020-11 3/2",
            "2020-12 3/2",
            "2021-01 3/2",
            "2021-02 2/1",
            "2021-03 2/1",
        ],
        f"without errd-2020-031: {', '.join(months(without))}",
    )
    chart = typed(
        call(strength_svg, errd, site="gomdok", from_="2020-09", to="2021-03", as_of="2021-01-20"),
        str,
    )
    check(
        chart.lstrip().startswith("<svg") and chart.rstrip().endswith("</svg>"),
        "the strength chart is an SVG",
    )

    # The postings abroad.
    typed(
        call(
            order_issue,
            minister,
            body=m.Draft(document=order_text("mod-2023-002"), as_of="2023-01-10"),
        ),
        m.Impact,
        201,
    )
    created = typed(
        call(
            list_create,
            placer,
            body=m.NewListBody(id="haebit-2023", kind="overseas-posting", as_of="2023-06-01"),
        ),
        m.ListSummary,
        201,
    )
    check(created.owner == "haebit", "the placement officer creates haebit-2023, owned by haebit")
    nominated = typed(
        call(
            list_add,
            placer,
            id="haebit-2023",
            body=m.Additions(persons=["p002", "p003", "p004", "p008", "p009"], as_of="2023-06-01"),
        ),
        m.Added,
    )
    check(nominated.added == 5, "five nominated to haebit-2023")
    before = typed(call(list_show, placer, id="haebit-2023", as_of="2023-06-01"), m.ListPage)
    check(
        statuses(before.entries)
        == {
            "p002": "eligible",
            "p003": "eligible",
            "p004": "eligible",
            "p008": "eligible",
            "p009": "excluded",
        },
        "haebit-2023 on 2023-06-01: p002 p003 p004 p008 eligible, p009 excluded",
    )
    check(
        reasons(before.entries)["p009"] == ["mod-2023-002 rule 1"],
        "p009 is excluded by mod-2023-002 rule 1",
    )

    chagang = order_text("mod-2024-001")
    preview = typed(
        call(order_preview, minister, body=m.Draft(document=chagang, as_of="2024-01-02")), m.Impact
    )
    newly = {impact.list_: impact.newly_excluded for impact in preview.lists}
    check(
        newly.get("haebit-2023") == ["p002", "p004"],
        "the preview of mod-2024-001: haebit-2023 newly excludes p002 and p004",
    )
    issued = typed(
        call(order_issue, minister, body=m.Draft(document=chagang, as_of="2024-01-02")),
        m.Impact,
        201,
    )
    check(
        {impact.list_: impact.newly_excluded for impact in issued.lists}.get("haebit-2023")
        == ["p002", "p004"],
        "issued, it reports the same",
    )
    typed(
        call(
            list_create,
            sonbong,
            body=m.NewListBody(id="sonbong-2024", kind="overseas-posting", as_of="2024-01-10"),
        ),
        m.ListSummary,
        201,
    )
    typed(
        call(
            list_add,
            sonbong,
            id="sonbong-2024",
            body=m.Additions(persons=["p001", "p003", "p005", "p006", "p007"], as_of="2024-01-10"),
        ),
        m.Added,
    )
    theirs = typed(call(list_show, sonbong, id="sonbong-2024", as_of="2024-01-10"), m.ListPage)
    check(
        statuses(theirs.entries)
        == {
            "p001": "excluded",
            "p003": "eligible",
            "p005": "eligible",
            "p006": "excluded",
            "p007": "excluded",
        },
        "sonbong-2024: p001 p006 p007 excluded, p003 p005 eligible",
    )
    check(
        reasons(theirs.entries)["p001"] == ["mod-2024-001 rule 1"]
        and reasons(theirs.entries)["p006"] == ["mod-2024-001 rule 2"],
        "p001 by rule 1, p006 by rule 2 (the strategic force, through sf-1)",
    )

    after = typed(call(list_show, placer, id="haebit-2023", as_of="2024-01-10"), m.ListPage)
    check(
        statuses(after.entries)
        == {
            "p002": "flagged",
            "p003": "eligible",
            "p004": "flagged",
            "p008": "eligible",
            "p009": "excluded",
        },
        "haebit-2023 on 2024-01-10: p002 and p004 flagged, p003 p008 eligible, p009 excluded",
    )
    why_not = reasons(after.entries)
    check(
        why_not["p002"] == ["mod-2024-001 rule 2"]
        and why_not["p004"] == ["mod-2024-001 rule 1"]
        and "mod-2024-001 rule 1" in why_not["p009"],
        "p002 by rule 2, p004 and p009 by rule 1",
    )
    flagged = typed(
        call(list_show, placer, id="haebit-2023", status="flagged", as_of="2024-01-10"), m.ListPage
    )
    check(
        flagged.total == 2 and [e.person for e in flagged.entries] == ["p002", "p004"],
        "filtered by status: the two flagged",
    )
    page = typed(
        call(list_show, placer, id="haebit-2023", offset=1, limit=2, as_of="2024-01-10"), m.ListPage
    )
    check(
        page.total == 5
        and page.limit == 2
        and [e.person for e in page.entries] == ["p003", "p004"],
        "a page of two from the second entry",
    )
    mine = typed(call(lists_index, placer, as_of="2024-01-10"), m.Lists)
    check(
        [summary.id for summary in mine.lists] == ["haebit-2023"],
        "the placement officer reads only his own list",
    )

    refused(
        call(explain, placer, id="p004", list_="haebit-2023", as_of="2024-01-10"),
        403,
        "the placement officer may not ask why",
    )
    explained = typed(
        call(explain, minister, id="p004", list_="haebit-2023", as_of="2024-01-10"), m.Explanation
    )
    decisive = [rule for rule in explained.rules if rule.decisive]
    check(
        explained.decision == "excluded"
        and [(r.order, r.rule) for r in decisive] == [("mod-2024-001", 1)],
        "p004: excluded, decided by mod-2024-001 rule 1",
    )
    check(
        decisive and decisive[0].reads["person.home_province"] == "Chagang",
        "the rule read his home province, Chagang",
    )
    seen = typed(call(person, placer, id="p004", as_of="2024-01-10"), m.Person)
    shown = {
        field.name
        for field in attrs.fields(m.PersonRecord)
        if not isinstance(getattr(seen.person, field.name), Unset)
    } - {"additional_properties"}
    check(
        shown == {"id", "name", "born", "sex", "home_province", "specialty"}
        and seen.status
        and isinstance(seen.service, Unset),
        f"the placement officer sees p004 cut to the placement fields ({', '.join(sorted(shown))} and status)",
    )
    whole = typed(call(person, minister, id="p004", as_of="2024-01-10"), m.Person)
    check(
        whole.person.id == "p004"
        and whole.person.home_province == "Chagang"
        and isinstance(whole.service, list),
        "the ministry reads p004's whole record, nested under `person`, with his history",
    )
    told = typed(call(notices, placer, as_of="2024-01-10"), m.Notices)
    check(
        told.organisation == "haebit"
        and any(
            n.order == "mod-2024-001"
            and n.list_ == "haebit-2023"
            and "p002" in n.message
            and "p004" in n.message
            for n in told.notices
        ),
        "haebit's notices: mod-2024-001 flagged p002 and p004 on haebit-2023",
    )
    check(
        any(n.order == "mod-2024-001" and n.list_ is None for n in told.notices),
        "and the order addressed to placement",
    )

    # Changes to a list: a removal and a re-check.
    gone = typed(
        call(list_remove, sonbong, id="sonbong-2024", person="p003", as_of="2024-02-01"), m.Removed
    )
    check(gone.removed == ["p003"], "sonbong removes p003 from its list")
    rechecked = typed(
        call(list_recheck, placer, id="haebit-2023", body=m.ActDay(as_of="2024-01-10")), m.ListPage
    )
    check(rechecked.flagged == 2, "the re-check of haebit-2023 flags two")

    # Evidence.
    posted = 'person.had("posted")'
    rates = typed(
        call(
            stats,
            minister,
            event="awol",
            by="home_province",
            from_="2018-01-01",
            to="2023-12-31",
            where=posted,
            as_of="2024-01-10",
        ),
        m.Stats,
    )
    cohorts = {g.group: (g.population, g.with_event, round(g.rate, 3)) for g in rates.groups}
    check(
        cohorts
        == {"Chagang": (2, 1, 0.5), "North Pyongan": (3, 1, 0.333), "South Pyongan": (1, 0, 0.0)},
        f"awol of the posted by province: {cohorts}",
    )
    small = typed(
        call(
            stats,
            analyst,
            event="awol",
            by="home_province",
            from_="2018-01-01",
            to="2023-12-31",
            where=posted,
            as_of="2024-01-10",
        ),
        m.Stats,
    )
    check(
        small.minimum_cohort == 10 and small.suppressed_cohorts == 3 and small.groups == [],
        "an analyst sees no cohort of fewer than 10",
    )

    # Refusals.
    refused(
        call(list_show, placer, id="sonbong-2024", as_of="2024-01-10"),
        403,
        "the placement officer may not read sonbong's list",
    )
    refused(
        call(list_show, placer, id="no-such-list", as_of="2024-01-10"),
        403,
        "nor learn that a list does not exist",
    )
    refused(
        call(list_show, minister, id="no-such-list", as_of="2024-01-10"),
        404,
        "the ministry is told it does not exist",
    )
    refused(call(roster, placer, cycle="2020-autumn"), 403, "nor read a roster")
    typo = refused(
        call(order_check, minister, body=m.Draft(document=order_text("bad-unknown-field"))),
        422,
        "an order with a typo is refused",
    )
    details = typo.details
    diagnostics = details["diagnostics"] if isinstance(details, m.ErrorDetailDetails) else []
    check(
        len(diagnostics) == 1 and diagnostics[0]["line"] == 12 and diagnostics[0]["column"] == 16,
        "with one diagnostic, at line 12, column 16",
    )
    check(
        bool(diagnostics)
        and "home_provence" in diagnostics[0]["message"]
        and "home_province" in (diagnostics[0]["help"] or ""),
        "it names `home_provence` and suggests `home_province`",
    )

    # A revocation, and the book after it.
    revoked = typed(
        call(
            order_revoke,
            minister,
            id="mod-2023-002",
            body=m.Revocation(
                on="2023-12-01", reason="replaced by mod-2024-001", as_of="2024-01-20"
            ),
        ),
        m.Revoked,
    )
    check(
        revoked.revoked_from == datetime.date(2023, 12, 1),
        "the ministry revokes mod-2023-002 from 2023-12-01",
    )
    states = {
        o.id: o.state
        for o in typed(call(orders_index, auditor, as_of="2024-01-20"), m.Orders).orders
    }
    check(
        states.get("mod-2024-001") == "in force" and len(states) == 5,
        f"five orders, mod-2024-001 in force ({states.get('mod-2023-002')} for mod-2023-002)",
    )

    # The acts: a man registered, enlisted, transferred, deployed and
    # recalled, injured, his unit deployed and recalled, discharged early,
    # nominated, posted abroad and back; each answered with how he stands.
    def done(response, what: str, status: str | None = None) -> m.ActDone:
        answer = typed(response, m.ActDone, 201)
        standing = answer.persons[0].status if answer.persons else None
        check(status is None or standing == status, f"{what} ({answer.kind}, act {answer.act}: {standing})")
        return answer

    done(
        call(
            act_register,
            errd,
            body=m.RegisterBody(
                id="p100",
                name="Ri Chol",
                born="2004-05-01",
                sex="M",
                home_province="Kangwon",
                as_of="2024-01-10",
            ),
        ),
        "the department registers p100",
        "civilian",
    )
    done(
        call(act_update, errd, id="p100", body=m.UpdateBody(specialty="driver", as_of="2024-01-11")),
        "his specialty is recorded",
        "civilian",
    )
    enlisted = done(
        call(
            act_enlist,
            errd,
            id="p100",
            body=m.EnlistBody(unit="c8-1", term_months=120, as_of="2024-02-01"),
        ),
        "he is enlisted into c8-1",
        "serving",
    )
    check(
        enlisted.persons[0].discharge_date == datetime.date(2034, 2, 1),
        "his discharge date is his term's end",
    )
    done(
        call(act_assign, c8, id="p100", body=m.AssignBody(unit="c8-2", as_of="2024-03-01")),
        "the unit administration transfers him to c8-2",
        "serving",
    )
    refused(
        call(act_assign, c8, id="p009", body=m.AssignBody(unit="c8-1", as_of="2024-03-01")),
        403,
        "but none of another administration's men",
    )
    done(
        call(act_deploy, errd, id="p100", body=m.DeployBody(site="daehung", as_of="2024-04-01")),
        "he is deployed at Daehung",
    )
    done(
        call(act_recall, errd, id="p100", body=m.RecallBody(site="daehung", as_of="2024-05-01")),
        "and recalled",
    )
    done(
        call(
            act_event,
            c8,
            id="p100",
            body=m.EventBody(kind="injured", detail="in a fall", as_of="2024-06-01"),
        ),
        "his unit administration records an injury",
    )
    unit = done(
        call(act_deploy_unit, errd, id="c8-2", body=m.DeployBody(site="daehung", as_of="2024-06-10")),
        "c8-2 is deployed at Daehung",
    )
    check("p100" in [p.person for p in unit.persons], "with p100 among its men")
    done(
        call(act_recall_unit, errd, id="c8-2", body=m.RecallBody(site="daehung", as_of="2024-07-10")),
        "and recalled",
    )
    done(
        call(
            act_discharge,
            errd,
            id="p100",
            body=m.DischargeBody(early=True, grounds="medical board 2024/7", as_of="2024-08-01"),
        ),
        "he is discharged early, with grounds",
        "discharged",
    )
    typed(
        call(
            list_add,
            placer,
            id="haebit-2023",
            body=m.Additions(persons=["p100"], as_of="2024-08-02"),
        ),
        m.Added,
    )
    posting = refused(
        call(
            act_post,
            placer,
            id="p009",
            body=m.PostBody(list_="haebit-2023", country="Russia", as_of="2024-09-01"),
        ),
        409,
        "p009, excluded by the Chagang order, is not posted",
    )
    check("mod-2024-001 rule 1" in posting.message, "the refusal names the rule")
    posted = done(
        call(
            act_post,
            placer,
            id="p100",
            body=m.PostBody(list_="haebit-2023", country="Russia", as_of="2024-09-01"),
        ),
        "p100, eligible, is posted abroad from haebit-2023",
        "abroad",
    )
    back = done(
        call(act_return, placer, id="p100", body=m.ReturnBody(as_of="2025-01-01")),
        "and returns",
        "discharged",
    )
    listed = typed(call(acts_index, auditor, kind="post"), m.Acts)
    check([a.act for a in listed.acts] == [posted.act], "the auditor finds the posting among the acts")
    shown = typed(call(act_show, auditor, act=posted.act), m.ActShown)
    check(shown.persons == ["p100"] and shown.rows[0].table == "events", "and reads the row it wrote")
    refused(
        call(act_reverse, placer, act=back.act, body=m.ReverseBody(reason="mine")),
        403,
        "a placement officer reverses no act",
    )
    reversal = typed(
        call(act_reverse, minister, act=back.act, body=m.ReverseBody(reason="entered in error")),
        m.ActDone,
        201,
    )
    check(reversal.persons[0].status == "abroad", "after the return's reversal he reads abroad")

    # The acts on many people: a redeployment of errd's list previewed,
    # then done as previewed; p012's papers keep him out.
    six = ["p009", "p010", "p013", "p014", "p016", "p019"]
    redeploy_body = lambda preview: m.RedeployBody(  # noqa: E731
        site="daehung", preview=preview, key="walk-mines-2021", as_of="2021-01-06"
    )
    preview = typed(
        call(mass_redeploy, errd, id="errd-mines-2021", body=redeploy_body(True)), m.MassDone
    )
    check(
        preview.preview and preview.act is None and preview.done == six,
        f"the redeployment's preview: the six eligible ({preview.done})",
    )
    check(
        [(r.person, r.status, r.papers) for r in preview.refused]
        == [("p012", "excluded", ["medical certificate 2020/114"])],
        "p012 refused, his paper named",
    )
    redeployed = typed(
        call(mass_redeploy, errd, id="errd-mines-2021", body=redeploy_body(False)),
        m.MassDone,
        201,
    )
    check(
        redeployed.act is not None and redeployed.done == preview.done,
        f"done as previewed, act {redeployed.act}",
    )
    again = typed(
        call(mass_redeploy, errd, id="errd-mines-2021", body=redeploy_body(False)),
        m.MassDone,
        201,
    )
    check(again.act == redeployed.act, "the same key again: the first act's answer")
    refused(
        call(
            mass_post,
            placer,
            id="errd-mines-2021",
            body=m.ListPostBody(country="Russia", preview=True),
        ),
        403,
        "a placement posts from no list but its own",
    )
    refused(
        call(
            mass_call_up,
            errd,
            id="haebit-2023",
            body=m.CallUpBody(unit="c8-1", term_months="120", preview=True),
        ),
        403,
        "a department calls up from no list of another",
    )
    carry = typed(
        call(mass_carry_out, errd, cycle="2020-autumn", body=m.CarryOutBody(preview=True)),
        m.MassDone,
    )
    check(
        sorted(r.person for r in carry.refused if r.status == "delayed")
        == ["p010", "p013", "p014", "p016"],
        "the carry-out of 2020-autumn leaves out the four delayed",
    )

    # The register of exemption papers.
    def new_paper(document: str, grounds: str, issuer: str) -> m.IssueBody:
        return m.IssueBody(
            document=document,
            person="p010",
            scope="redeployment",
            grounds=grounds,
            issuer=issuer,
            issued_on="2021-03-01",
            text="",
            official="",
            as_of="2021-03-02",
        )

    entered = typed(
        call(paper_issue, errd, body=new_paper("EDU-2021/7", "education", "central-univ")),
        m.PaperAct,
        201,
    )
    paper_id = entered.papers[0].id
    check(entered.papers[0].document == "EDU-2021/7", "a paper entered answers itself")
    register = typed(call(paper_register, auditor, person="p010"), m.Papers)
    check(paper_id in [p.id for p in register.papers], "the auditor reads it in the register")
    nothing = typed(call(paper_register, placer), m.Papers)
    check(not nothing.papers, "a placement organisation reads no paper")
    detail = typed(call(paper_show, auditor, id=paper_id), m.PaperDetail)
    check(detail.paper.issuer == "central-univ", "a paper reads with its issuer")
    refused(call(paper_show, analyst, id=paper_id), 403, "an analyst reads no paper")
    typed(
        call(paper_review, auditor, id=paper_id, body=m.ReviewBody(note="asked the university")),
        m.PaperAct,
        201,
    )
    limits_text = (
        '[[limit]]\nscope = "redeployment"\ngrounds = "medical"\nissuer_kinds = ["institution"]\n'
    )
    typed(call(limits_put, minister, body=m.LimitsBody(document=limits_text)), m.LimitsView, 201)
    in_force = typed(call(limits_get, auditor), m.LimitsView)
    check(in_force.document == limits_text, "the limits in force read as set")
    over = refused(
        call(paper_issue, errd, body=new_paper("MED-2021/9", "medical", "msc")),
        422,
        "a paper over a limit",
    )
    check("limit 1" in over.message, "the refusal names the limit")
    revoked = typed(
        call(paper_revoke, minister, id=paper_id, body=m.RevokeBody(reason="bought")),
        m.PaperAct,
        201,
    )
    check(revoked.papers[0].revoked is not None, "a revoked paper reads revoked")
    refused(
        call(paper_revoke, minister, id=paper_id, body=m.RevokeBody(reason="again")),
        409,
        "a paper is revoked once",
    )
    report = typed(call(paper_anomalies, auditor, to="2025-12-31"), m.AnomalyReport)
    check(str(report.to) == "2025-12-31", "the anomaly report answers its window")

    # The audit log.
    log = typed(call(audit_log, auditor), m.AuditLog)
    kinds = [entry.kind for entry in log.entries]
    check(
        "import" in kinds and kinds.count("order-issue") == 5 and "denied" in kinds,
        f"the audit log holds the import, five orders and the refusals ({len(kinds)} entries)",
    )
    check(
        all(b.previous == a.hash_ for a, b in zip(log.entries, log.entries[1:])),
        "each entry names its predecessor's hash",
    )
    placer_entries = typed(call(audit_log, auditor, actor="user:placer"), m.AuditLog)
    check(
        placer_entries.entries and all(e.actor == "user:placer" for e in placer_entries.entries),
        "the log by actor",
    )
    verdict = typed(call(audit_verify, auditor), m.AuditVerdict)
    head = verdict.head
    check(
        verdict.intact
        and verdict.entries == len(log.entries)
        and head is not None
        and (head.seq, head.hash_) == (log.entries[-1].seq, log.entries[-1].hash_),
        "the audit log verifies, its head the last entry",
    )
    refused(call(audit_log, minister), 403, "the ministry may not read the audit log")

    # The log's Merkle tree: a signed checkpoint, an act's inclusion proof
    # and a consistency proof, checked here by RFC 9162's algorithms.
    point = typed(call(audit_checkpoint, auditor), m.CheckpointView)
    check(
        point.tree_size >= len(log.entries) and point.note.startswith(f"{point.origin}\n{point.tree_size}\n{point.root_hash}\n\n"),
        f"the checkpoint signs the tree of {point.tree_size} entries",
    )
    inclusion = typed(call(audit_proof, auditor, act=1, size=point.tree_size), m.InclusionView)
    check(
        inclusion.root_hash == point.root_hash
        and rfc9162_inclusion(inclusion.leaf_hash, inclusion.leaf_index, inclusion.tree_size, inclusion.proof, point.root_hash),
        "the import's entry is proved in the checkpoint's tree",
    )
    consistent = typed(call(audit_consistency, auditor, from_=2, to=point.tree_size), m.ConsistencyView)
    check(
        consistent.to_root == point.root_hash
        and rfc9162_consistency(2, point.tree_size, consistent.from_root, consistent.to_root, consistent.proof),
        "the tree of 2 entries is a prefix of the checkpoint's",
    )
    refused(call(audit_checkpoint, minister), 403, "the ministry may not take the checkpoint")

    missing = sorted(every_operation() - called)
    check(
        not missing,
        f"the walk calls every operation{': missing ' + ', '.join(missing) if missing else ''}",
    )
    print(f"{calls} calls through the generated client ({len(called)} operations)")


def typed_csrf(login: m.Whoami) -> str:
    if not isinstance(login.csrf, str):
        raise AssertionError("the login gave no CSRF token")
    return login.csrf


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, NonConforming, muster_client.errors.UnexpectedStatus) as error:
        check(False, f"the walk stopped: {error}")
    print(f"{len(failures)} failed" if failures else "all checks passed")
    sys.exit(1 if failures else 0)
